import type { Logger } from '@lfusys/logger'
import type { Redis } from 'ioredis'

export interface RevocationCheck {
  userId: string
  familyId: string
  sessionEpoch: number
}

/**
 * Access tokens are stateless for their short life; this Redis denylist ends them early. A logout
 * puts the token's family on it; a password change or reset records the account's new session epoch,
 * which ends every older token of the account. Entries live as long as an access token can, after
 * which the token's own expiry does the job.
 *
 * While Redis is down, checks pass (fail open) and writes are lost: a revoked access token then works
 * until it expires (ACCESS_TOKEN_TTL_SECONDS at most). Refresh tokens do not depend on Redis: their
 * revocation lives in DynamoDB, so no new access token is issued to a revoked session either way.
 */
export class SessionRevocations {
  private readonly redis: Redis
  private readonly ttlSeconds: number
  private readonly logger: Logger

  constructor(redis: Redis, accessTtlSeconds: number, logger: Logger) {
    this.redis = redis
    // A little beyond the access token lifetime, for clock skew between instances.
    this.ttlSeconds = accessTtlSeconds + 60
    this.logger = logger
  }

  async revokeFamily(familyId: string): Promise<void> {
    try {
      await this.redis.set(`revoked:family:${familyId}`, '1', 'EX', this.ttlSeconds)
    } catch (err) {
      this.logger.warn({ err, familyId }, 'access token denylist write failed; token lives until expiry')
    }
  }

  async raiseEpoch(userId: string, sessionEpoch: number): Promise<void> {
    try {
      await this.redis.set(`revoked:user:${userId}`, String(sessionEpoch), 'EX', this.ttlSeconds)
    } catch (err) {
      this.logger.warn({ err, userId }, 'access token denylist write failed; tokens live until expiry')
    }
  }

  async isRevoked(check: RevocationCheck): Promise<boolean> {
    let values: (string | null)[]
    try {
      values = await this.redis.mget(`revoked:family:${check.familyId}`, `revoked:user:${check.userId}`)
    } catch {
      return false
    }
    const [family, epoch] = values
    if (family != null) return true
    return epoch != null && Number(epoch) > check.sessionEpoch
  }
}
