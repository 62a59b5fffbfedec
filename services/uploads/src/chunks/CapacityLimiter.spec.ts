import { describe, expect, it } from 'vitest'
import { CapacityLimiter } from './CapacityLimiter.ts'

describe('CapacityLimiter', () => {
  it('admits up to the request limit, never queues, and releases once per lease', () => {
    const limiter = new CapacityLimiter({ maxConcurrent: 2 })
    const a = limiter.tryAcquire(100)
    expect(a).toBeDefined()
    const b = limiter.tryAcquire(30)
    expect(b).toBeDefined()
    expect(limiter.tryAcquire(1)).toBeUndefined()
    expect(limiter.usage).toEqual({ active: 2, bytes: 130 })
    a?.release()
    a?.release()
    expect(limiter.usage).toEqual({ active: 1, bytes: 30 })
    expect(limiter.tryAcquire()).toBeDefined()
    expect(limiter.tryAcquire()).toBeUndefined()
  })
})
