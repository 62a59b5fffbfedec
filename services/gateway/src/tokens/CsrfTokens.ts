import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SigningKey } from './signingKeys.ts'

/**
 * The CSRF token of a session is an HMAC over its refresh family id: it cannot be guessed, it is
 * worthless for another session (a token planted by a sibling site or leaked from an older session
 * does not match), and the server keeps no state for it. The first signing key makes tokens, every
 * key of the ring checks them, so a key rotation does not break open sessions.
 */
export class CsrfTokens {
  private readonly keys: readonly SigningKey[]

  constructor(keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new Error('no signing key')
    this.keys = keys
  }

  tokenFor(familyId: string): string {
    const key = this.keys[0]
    if (!key) throw new Error('no signing key')
    return this.mac(key, familyId)
  }

  matches(token: string, familyId: string): boolean {
    const presented = Buffer.from(token)
    return this.keys.some((key) => {
      const expected = Buffer.from(this.mac(key, familyId))
      return presented.length === expected.length && timingSafeEqual(presented, expected)
    })
  }

  private mac(key: SigningKey, familyId: string): string {
    return createHmac('sha256', key.secret).update(`lfusys-csrf:${familyId}`).digest('base64url')
  }
}
