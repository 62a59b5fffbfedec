import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { fallbackRateLimitStore } from './FallbackRateLimitStore.ts'

/** A Redis whose every command fails, as when the server is down. */
const deadRedis = { eval: () => Promise.reject(new Error('Connection is closed.')) } as unknown as Redis

function incr(store: { incr: (...args: never[]) => void }, key: string, windowMs: number) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) => {
    const cb = (err: Error | null, res?: { current: number; ttl: number }) =>
      err ? reject(err) : res ? resolve(res) : reject(new Error('no result'))
    ;(store.incr as (k: string, c: typeof cb, w: number, m: number) => void)(key, cb, windowMs, 5)
  })
}

describe('fallbackRateLimitStore with Redis down', () => {
  const Store = fallbackRateLimitStore(deadRedis)

  it('counts in memory for limits that must hold (skipOnError false)', async () => {
    const store = new Store().child({ skipOnError: false })
    expect((await incr(store, 'a', 60_000)).current).toBe(1)
    expect((await incr(store, 'a', 60_000)).current).toBe(2)
    expect((await incr(store, 'b', 60_000)).current).toBe(1)
    const third = await incr(store, 'a', 60_000)
    expect(third.current).toBe(3)
    expect(third.ttl).toBeGreaterThan(0)
    expect(third.ttl).toBeLessThanOrEqual(60_000)
  })

  it('reports the error for fail-open limits so the plugin skips them', async () => {
    const store = new Store().child({ skipOnError: true })
    await expect(incr(store, 'a', 60_000)).rejects.toThrow('Connection is closed.')
  })
})
