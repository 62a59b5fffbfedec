import { AppError } from '@lfusys/errors'
import type { Redis } from 'ioredis'
import { z } from 'zod'

export interface OAuthStateRecord {
  provider: string
  codeVerifier: string | null
}

const recordSchema = z.object({ provider: z.string(), codeVerifier: z.string().nullable() })

/**
 * Single-use OAuth state in Redis. GETDEL reads and removes in one step, so a replayed callback
 * finds nothing. Redis down is a clear UNAVAILABLE, never a silent pass: without the state there is
 * no CSRF protection and no PKCE verifier.
 */
export class OAuthStateStore {
  private readonly redis: Redis
  private readonly ttlSeconds: number

  constructor(redis: Redis, ttlSeconds = 600) {
    this.redis = redis
    this.ttlSeconds = ttlSeconds
  }

  async put(state: string, record: OAuthStateRecord): Promise<void> {
    await this.call(() => this.redis.set(key(state), JSON.stringify(record), 'EX', this.ttlSeconds))
  }

  async take(state: string): Promise<OAuthStateRecord | undefined> {
    const raw = await this.call(() => this.redis.getdel(key(state)))
    if (raw === null) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return undefined
    }
    const result = recordSchema.safeParse(parsed)
    return result.success ? result.data : undefined
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new AppError('UNAVAILABLE', 'sign-in with an external provider is temporarily unavailable', {
        cause: err,
        retryAfterSeconds: 5,
        details: { reason: 'state_store_unavailable' },
      })
    }
  }
}

const key = (state: string) => `oauth:state:${state}`
