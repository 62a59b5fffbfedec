import { parseKeyRing, type RingKey } from '@lfusys/config'

export type SigningKey = RingKey

/** Parses AUTH_TOKEN_KEYS (`kid:secret[,kid:secret]`; the first signs, every key verifies). */
export function parseSigningKeys(value: string): SigningKey[] {
  return parseKeyRing(value, 'AUTH_TOKEN_KEYS')
}
