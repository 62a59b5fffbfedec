import { fromBase64, fromHex, toBase64, toHex } from './encoding.ts'

/**
 * The content hash (design invariant 2):
 *   contentHash = hex(SHA-256(SHA-256(chunk_0) || ... || SHA-256(chunk_n-1)))
 * over the raw 32-byte digests. With parts = chunks this is exactly S3's COMPOSITE SHA-256 of a
 * multipart object created with ChecksumAlgorithm SHA256, written there as `base64(digest)-n`.
 */
export const SHA256_HEX = /^[0-9a-f]{64}$/

export function isContentHash(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value)
}

/** Concatenates chunk digests in index order (each must be 32 bytes). */
export function concatDigests(digests: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(digests.length * 32)
  digests.forEach((d, i) => {
    if (d.length !== 32) throw new Error(`chunk ${i} digest has ${d.length} bytes, expected 32`)
    out.set(d, i * 32)
  })
  return out
}

/** Works in browsers and Node (WebCrypto). */
export async function contentHashFromDigests(digests: readonly Uint8Array[]): Promise<string> {
  const combined = await globalThis.crypto.subtle.digest(
    'SHA-256',
    concatDigests(digests) as Uint8Array<ArrayBuffer>,
  )
  return toHex(new Uint8Array(combined))
}

/** The value S3 reports for the assembled object: `base64(digest)-parts`. */
export function compositeChecksum(contentHash: string, parts: number): string {
  return `${toBase64(fromHex(contentHash))}-${parts}`
}

/**
 * Parses S3's ChecksumSHA256 of a multipart object. Returns undefined for anything that is not a
 * composite (`<base64 of 32 bytes>-<n>`), so callers must treat "absent" explicitly.
 */
export function parseCompositeChecksum(
  value: string | undefined,
): { contentHash: string; parts: number } | undefined {
  if (!value) return undefined
  const match = /^([A-Za-z0-9+/]{43}=)-(\d+)$/.exec(value)
  if (!match?.[1] || !match[2]) return undefined
  const bytes = fromBase64(match[1])
  if (bytes.length !== 32) return undefined
  return { contentHash: toHex(bytes), parts: Number(match[2]) }
}
