import { describe, expect, it } from 'vitest'
import { CapacityLimiter } from './CapacityLimiter.ts'

describe('CapacityLimiter', () => {
  it('admits while both the request and the byte limits hold, and never queues', () => {
    const limiter = new CapacityLimiter({ maxConcurrent: 2, maxBytes: 100 })
    const a = limiter.tryAcquire(60)
    expect(a).toBeDefined()
    expect(limiter.tryAcquire(41)).toBeUndefined()
    const b = limiter.tryAcquire(40)
    expect(b).toBeDefined()
    expect(limiter.tryAcquire(0)).toBeUndefined()
    expect(limiter.usage).toEqual({ active: 2, bytes: 100 })
    a?.release()
    a?.release()
    expect(limiter.usage).toEqual({ active: 1, bytes: 40 })
    expect(limiter.tryAcquire(60)).toBeDefined()
  })
})
