import { type FilePage, filePageSchema } from '@lfusys/contracts'
import { meters } from '@lfusys/telemetry'
import type { Redis } from 'ioredis'

export type CacheOutcome = 'hit' | 'miss' | 'bypass'

/**
 * Cache-aside for a user's files list pages. Entries live under a per-user version number that every
 * change bumps, so invalidation is one INCR and a reader that loaded a list before a change can only
 * write it under the old version, which nobody reads again (no stale repopulation race). Entries
 * expire after a jittered TTL so a burst of users does not expire at once. Any Redis failure
 * bypasses the cache: the list then comes straight from the sessions service.
 */
export class FilesListCache {
  private readonly redis: Redis
  private readonly ttlSeconds: number
  private readonly random: () => number

  constructor(redis: Redis, ttlSeconds: number, random: () => number = Math.random) {
    this.redis = redis
    this.ttlSeconds = ttlSeconds
    this.random = random
  }

  async page(
    userId: string,
    query: { limit: number; cursor: string | undefined },
    load: () => Promise<FilePage>,
  ): Promise<{ page: FilePage; cache: CacheOutcome }> {
    let key: string
    try {
      const version = (await this.redis.get(versionKey(userId))) ?? '0'
      key = `files:list:${userId}:${version}:${query.limit}:${query.cursor ?? ''}`
      const cached = await this.redis.get(key)
      if (cached !== null) {
        const parsed = filePageSchema.safeParse(safeJson(cached))
        if (parsed.success) return { page: parsed.data, cache: 'hit' }
      }
    } catch {
      meters().redisFallbacks.add(1, { operation: 'files-list-cache' })
      return { page: await load(), cache: 'bypass' }
    }
    const page = await load()
    try {
      await this.redis.set(key, JSON.stringify(page), 'EX', this.jitteredTtl())
    } catch {
      // The answer is correct without the cache entry.
    }
    return { page, cache: 'miss' }
  }

  /** Best effort: when Redis is down, entries age out within the TTL. */
  async invalidate(userId: string): Promise<void> {
    try {
      await this.redis.multi().incr(versionKey(userId)).expire(versionKey(userId), 86_400).exec()
    } catch {
      // Redis down: nothing was cached meanwhile either, and old entries expire within the TTL.
    }
  }

  jitteredTtl(): number {
    return Math.max(1, Math.round(this.ttlSeconds * (1 + 0.2 * this.random())))
  }
}

const versionKey = (userId: string) => `files:ver:${userId}`

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}
