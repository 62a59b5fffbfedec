import { createHmac } from 'node:crypto'

let key: string | undefined

/** Set once at start from TELEMETRY_PSEUDONYM_KEY. */
export function setPseudonymKey(value: string | undefined): void {
  key = value && value.length > 0 ? value : undefined
}

/**
 * A stable pseudonym for a user id in spans (`lfusys.user.pseudonym`): HMAC-SHA256 under a
 * deployment secret, truncated to 16 hex characters. Every service with the same key gives the
 * same pseudonym, so one user's traces can be followed without any trace holding the id or email.
 * Without a key there is no pseudonym (undefined).
 */
export function userPseudonym(userId: string): string | undefined {
  if (!key) return undefined
  return createHmac('sha256', key).update(userId).digest('hex').slice(0, 16)
}
