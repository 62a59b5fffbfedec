import { randomBytes } from 'node:crypto'
import { createLogger } from '@lfusys/logger'
import { sharedStack } from '@lfusys/testing'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedis, waitForRedis } from '../deps.ts'
import type { FilePage } from '../uploads/types.ts'
import { FilesListCache } from './FilesListCache.ts'

let redis: Redis

beforeAll(async () => {
  redis = createRedis(
    sharedStack().endpoints.redisUrl,
    `cache-${randomBytes(4).toString('hex')}:`,
    createLogger({ service: 'test', level: 'silent' }),
  )
  expect(await waitForRedis(redis, 5000)).toBe(true)
})
afterAll(() => redis?.disconnect())

const page = (id: string): FilePage => ({
  files: [
    {
      id,
      name: 'n',
      size: 1,
      contentType: 't/x',
      contentHash: 'h',
      createdAt: '2026-01-01T00:00:00.000Z',
      ownerId: 'u',
    },
  ],
  nextCursor: null,
})

describe('FilesListCache', () => {
  it('serves a hit after a miss, and a miss after an invalidation', async () => {
    const cache = new FilesListCache(redis, 30)
    const query = { limit: 50, cursor: undefined }
    expect(await cache.page('u1', query, async () => page('a'))).toEqual({ page: page('a'), cache: 'miss' })
    expect(await cache.page('u1', query, async () => page('b'))).toEqual({ page: page('a'), cache: 'hit' })
    expect((await cache.page('u2', query, async () => page('c'))).cache).toBe('miss')
    await cache.invalidate('u1')
    expect(await cache.page('u1', query, async () => page('d'))).toEqual({ page: page('d'), cache: 'miss' })
  })

  it('never lets a list loaded before a change be served after it', async () => {
    const cache = new FilesListCache(redis, 30)
    const query = { limit: 10, cursor: 'c1' }
    let release: (() => void) | undefined
    const slow = cache.page('u3', query, async () => {
      // The change (and its invalidation) happens while this old list is being loaded.
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return page('old')
    })
    while (!release) await new Promise((r) => setImmediate(r))
    await cache.invalidate('u3')
    release()
    expect((await slow).page).toEqual(page('old'))
    expect(await cache.page('u3', query, async () => page('new'))).toEqual({
      page: page('new'),
      cache: 'miss',
    })
  })

  it('jitters the TTL between the base and 20% above it', async () => {
    expect(new FilesListCache(redis, 30, () => 0).jitteredTtl()).toBe(30)
    expect(new FilesListCache(redis, 30, () => 0.999).jitteredTtl()).toBe(36)
    const cache = new FilesListCache(redis, 100, () => 0.5)
    await cache.page('u4', { limit: 1, cursor: undefined }, async () => page('x'))
    const keys = await redis.keys(`${redis.options.keyPrefix}files:list:u4:*`)
    expect(keys).toHaveLength(1)
    const ttl = await redis.ttl((keys[0] ?? '').slice((redis.options.keyPrefix ?? '').length))
    expect(ttl).toBeGreaterThan(100)
    expect(ttl).toBeLessThanOrEqual(110)
  })
})
