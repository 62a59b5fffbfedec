import { meters } from '@lfusys/telemetry'
import type { Redis } from 'ioredis'

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** Fixed window: INCR, set the expiry on the first hit, report the remaining window. Atomic in Redis. */
const INCR_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}
`

/** A bounded in-process counter, the fallback of limits that must hold while Redis is down. */
class MemoryWindows {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()
  private readonly capacity: number

  constructor(capacity = 10_000) {
    this.capacity = capacity
  }

  incr(key: string, windowMs: number, now = Date.now()): { current: number; ttl: number } {
    let entry = this.windows.get(key)
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + windowMs }
      this.windows.delete(key)
      if (this.windows.size >= this.capacity) {
        const oldest = this.windows.keys().next()
        if (!oldest.done) this.windows.delete(oldest.value)
      }
      this.windows.set(key, entry)
    }
    entry.count += 1
    return { current: entry.count, ttl: entry.resetAt - now }
  }
}

/**
 * The plugin passes its merged limiter options; `skipOnError: true` means fail open when Redis fails
 * (the plugin then skips the limit), anything else means count in memory instead.
 */
function failsOpen(params: unknown): boolean {
  return (
    typeof params === 'object' && params !== null && 'skipOnError' in params && params.skipOnError === true
  )
}

/**
 * The @fastify/rate-limit store: counters in Redis shared by every gateway instance. When Redis
 * fails, limits created with `skipOnError: false` (register, login) keep counting per instance in
 * memory, and limits with `skipOnError: true` (upload creation) fail open.
 */
export function fallbackRateLimitStore(redis: Redis, prefix = 'rl:') {
  return class FallbackRateLimitStore {
    private readonly memory: MemoryWindows | undefined

    constructor(params?: unknown) {
      this.memory = failsOpen(params) ? undefined : new MemoryWindows()
    }

    incr(key: string, callback: Callback, timeWindow: number, _max: number): void {
      redis.eval(INCR_SCRIPT, 1, `${prefix}${key}`, String(timeWindow)).then(
        (result) => {
          if (Array.isArray(result) && typeof result[0] === 'number' && typeof result[1] === 'number') {
            callback(null, { current: result[0], ttl: result[1] })
          } else {
            callback(new Error('unexpected rate limit answer from Redis'))
          }
        },
        (err: unknown) => {
          meters().redisFallbacks.add(1, { operation: this.memory ? 'rate-limit-memory' : 'rate-limit-open' })
          if (this.memory) callback(null, this.memory.incr(key, timeWindow))
          else callback(err instanceof Error ? err : new Error(String(err)))
        },
      )
    }

    child(params: unknown): FallbackRateLimitStore {
      return new FallbackRateLimitStore(params)
    }
  }
}
