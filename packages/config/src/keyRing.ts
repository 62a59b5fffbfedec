/** One HMAC key of a key ring. */
export interface RingKey {
  kid: string
  secret: Uint8Array
}

/**
 * Parses a key ring variable, `kid:secret[,kid:secret]` (a secret may contain colons). The first
 * key signs and every key verifies: a new key is rolled out by adding it, moving it first once every
 * instance knows it, and dropping the old one after the longest token lifetime.
 */
/**
 * A JWT key lookup by the header's `kid` over a ring: every key verifies, an unknown id is refused
 * (callers map the throw to their own "invalid token").
 */
export function ringKeyFor(keys: readonly RingKey[]): (header: { kid?: string | undefined }) => Uint8Array {
  return (header) => {
    const key = keys.find((k) => k.kid === header.kid)
    if (!key) throw new Error('unknown key id')
    return key.secret
  }
}

export function parseKeyRing(value: string, variable: string): RingKey[] {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const colon = entry.indexOf(':')
      const kid = entry.slice(0, colon)
      const secret = entry.slice(colon + 1)
      if (colon <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
        throw new Error(`${variable} must look like kid:secret[,kid:secret]`)
      }
      if (secret.length < 32) throw new Error(`${variable} key "${kid}" must be at least 32 characters`)
      return { kid, secret: new TextEncoder().encode(secret) }
    })
  if (keys.length === 0) throw new Error(`${variable} needs at least one key`)
  if (new Set(keys.map((k) => k.kid)).size !== keys.length)
    throw new Error(`${variable} key ids must be unique`)
  return keys
}
