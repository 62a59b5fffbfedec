export interface SigningKey {
  kid: string
  secret: Uint8Array
}

/**
 * Parses `kid:secret,kid:secret`. The first key signs, every key verifies: a new key is rolled out by
 * appending it, then moving it first once every instance knows it, then dropping the old one after
 * the longest token lifetime.
 */
export function parseSigningKeys(value: string): SigningKey[] {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const colon = entry.indexOf(':')
      const kid = entry.slice(0, colon)
      const secret = entry.slice(colon + 1)
      if (colon <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
        throw new Error('AUTH_TOKEN_KEYS must look like kid:secret[,kid:secret]')
      }
      if (secret.length < 32) throw new Error(`AUTH_TOKEN_KEYS key "${kid}" must be at least 32 characters`)
      return { kid, secret: new TextEncoder().encode(secret) }
    })
  if (keys.length === 0) throw new Error('AUTH_TOKEN_KEYS needs at least one key')
  if (new Set(keys.map((k) => k.kid)).size !== keys.length)
    throw new Error('AUTH_TOKEN_KEYS ids must be unique')
  return keys
}
