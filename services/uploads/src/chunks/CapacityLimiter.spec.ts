import { describe, expect, it } from 'vitest'
import { type CapacityLease, CapacityLimiter, type Refusal } from './CapacityLimiter.ts'

const MiB = 1024 * 1024

function lease(result: CapacityLease | Refusal): CapacityLease {
  if (typeof result === 'string') throw new Error(`refused: ${result}`)
  return result
}

describe('CapacityLimiter', () => {
  it('admits up to the request limit, never queues, and releases once per lease', () => {
    const limiter = new CapacityLimiter({ maxConcurrent: 2, smallChunkBytes: 0, smallSlots: 0 })
    const a = lease(limiter.tryAcquire({ user: 'u1', bytes: 100, userLimit: 9 }))
    lease(limiter.tryAcquire({ user: 'u2', bytes: 30, userLimit: 9 }))
    expect(limiter.tryAcquire({ user: 'u3', bytes: 1, userLimit: 9 })).toBe('capacity')
    expect(limiter.usage).toEqual({ active: 2, small: 0, bytes: 130, users: 2 })
    a.release()
    a.release()
    expect(limiter.usage).toEqual({ active: 1, small: 0, bytes: 30, users: 1 })
    lease(limiter.tryAcquire({ user: 'u3', bytes: 1, userLimit: 9 }))
    expect(limiter.tryAcquire({ user: 'u3', bytes: 1, userLimit: 9 })).toBe('capacity')
  })

  it('holds each user to their own limit while others are still admitted', () => {
    const limiter = new CapacityLimiter({ maxConcurrent: 10, smallChunkBytes: 0, smallSlots: 0 })
    const held = [1, 2, 3].map(() => lease(limiter.tryAcquire({ user: 'greedy', bytes: MiB, userLimit: 3 })))
    expect(limiter.tryAcquire({ user: 'greedy', bytes: MiB, userLimit: 3 })).toBe('user_limit')
    lease(limiter.tryAcquire({ user: 'other', bytes: MiB, userLimit: 3 }))
    held[0]?.release()
    lease(limiter.tryAcquire({ user: 'greedy', bytes: MiB, userLimit: 3 }))
  })

  it('keeps a lane for small chunks that large ones cannot take', () => {
    const limiter = new CapacityLimiter({ maxConcurrent: 2, smallChunkBytes: MiB, smallSlots: 1 })
    lease(limiter.tryAcquire({ user: 'a', bytes: 32 * MiB, userLimit: 9 }))
    lease(limiter.tryAcquire({ user: 'b', bytes: 32 * MiB, userLimit: 9 }))
    expect(limiter.tryAcquire({ user: 'c', bytes: 32 * MiB, userLimit: 9 })).toBe('capacity')
    const small = lease(limiter.tryAcquire({ user: 'c', bytes: 1024, userLimit: 9 }))
    expect(limiter.usage).toMatchObject({ active: 3, small: 1 })
    expect(limiter.tryAcquire({ user: 'd', bytes: 1024, userLimit: 9 })).toBe('capacity')
    small.release()
    expect(limiter.usage).toMatchObject({ active: 2, small: 0 })
    // The lane is not used while an ordinary slot is free.
    const limiter2 = new CapacityLimiter({ maxConcurrent: 1, smallChunkBytes: MiB, smallSlots: 1 })
    lease(limiter2.tryAcquire({ user: 'a', bytes: 10, userLimit: 9 }))
    expect(limiter2.usage).toMatchObject({ active: 1, small: 0 })
  })
})
