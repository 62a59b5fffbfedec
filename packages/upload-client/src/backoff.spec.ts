import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
} from './backoff.ts'

const policy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 60_000 }
const almostOne = 1 - Number.EPSILON

describe('backoffDelay (full jitter)', () => {
  it('is 0 at the bottom of the jitter range and below the ceiling at the top', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0)
      const top = backoffDelay(attempt, policy, () => almostOne)
      expect(top).toBeLessThan(ceiling)
      expect(top).toBeGreaterThanOrEqual(ceiling - 1)
    }
  })

  it('doubles the ceiling per attempt and caps it at maxDelayMs', () => {
    const half = (attempt: number) => backoffDelay(attempt, policy, () => 0.5)
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(half)).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500])
  })

  it('spreads delays over the whole range with a real random source', () => {
    const samples = Array.from({ length: 2000 }, () => backoffDelay(4, policy))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...samples)).toBeLessThan(1600)
    // Full jitter, not "ceiling minus a little": a fair share lands in the lower half.
    expect(samples.filter((s) => s < 800).length).toBeGreaterThan(600)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T05:00:00Z')

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('7', now)).toBe(7000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
  })

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 05:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Sun, 22 Nov 2026 04:59:00 GMT', now)).toBe(0)
  })

  it('ignores absent or malformed values', () => {
    for (const bad of [null, undefined, '', '-3', '1.5', 'soon', '2026-11-22T05:00:30Z']) {
      expect(parseRetryAfter(bad, now)).toBeUndefined()
    }
  })
})

describe('retryDelay', () => {
  it('honours Retry-After with at most baseDelayMs of jitter on top', () => {
    expect(retryDelay(0, 3000, policy, () => 0)).toBe(3000)
    expect(retryDelay(5, 3000, policy, () => almostOne)).toBe(3099)
  })

  it('caps a huge Retry-After at maxRetryAfterMs', () => {
    expect(retryDelay(0, 3_600_000, policy, () => 0)).toBe(60_000)
  })

  it('falls back to full-jitter backoff without Retry-After', () => {
    expect(retryDelay(3, undefined, policy, () => 0.5)).toBe(400)
  })

  it('has sane defaults', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1)
    expect(DEFAULT_RETRY_POLICY.baseDelayMs).toBeLessThan(DEFAULT_RETRY_POLICY.maxDelayMs)
  })
})
