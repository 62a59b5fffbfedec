import { fromBase64, toBase64 } from './encoding.ts'

/**
 * RFC 9530 `Content-Digest` with the `sha-256` algorithm, e.g. `sha-256=:X48E9q...=:`. The header
 * is a Structured Fields dictionary; other algorithms may appear and are ignored, but sha-256 must
 * be present exactly once with a 32-byte byte sequence.
 */
export function formatContentDigest(sha256: Uint8Array): string {
  return `sha-256=:${toBase64(sha256)}:`
}

export type ParsedDigest = { ok: true; sha256: Uint8Array } | { ok: false; reason: string }

export function parseContentDigest(header: string | undefined): ParsedDigest {
  if (header === undefined || header.trim() === '')
    return { ok: false, reason: 'Content-Digest header is required' }
  if (header.length > 1024) return { ok: false, reason: 'Content-Digest header is too long' }
  let found: Uint8Array | undefined
  for (const member of header.split(',')) {
    const eq = member.indexOf('=')
    if (eq <= 0)
      return { ok: false, reason: 'Content-Digest is not a dictionary of algorithm=:base64: members' }
    const key = member.slice(0, eq).trim()
    const value = member.slice(eq + 1).trim()
    if (!/^[a-z][a-z0-9_\-.*]*$/.test(key))
      return { ok: false, reason: `Content-Digest has an invalid key "${key}"` }
    const bytes = /^:([A-Za-z0-9+/]*={0,2}):(?:;.*)?$/.exec(value)
    if (!bytes) return { ok: false, reason: `Content-Digest ${key} is not a byte sequence (:base64:)` }
    if (key !== 'sha-256') continue
    if (found) return { ok: false, reason: 'Content-Digest has sha-256 more than once' }
    let decoded: Uint8Array
    try {
      decoded = fromBase64(bytes[1] ?? '')
    } catch {
      return { ok: false, reason: 'Content-Digest sha-256 is not valid base64' }
    }
    if (decoded.length !== 32)
      return { ok: false, reason: `Content-Digest sha-256 has ${decoded.length} bytes, expected 32` }
    found = decoded
  }
  if (!found) return { ok: false, reason: 'Content-Digest has no sha-256 member' }
  return { ok: true, sha256: found }
}
