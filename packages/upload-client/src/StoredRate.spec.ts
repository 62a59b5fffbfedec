import { describe, expect, it } from 'vitest'
import { StoredRate } from './StoredRate.ts'

const MiB = 1024 * 1024

describe('StoredRate', () => {
  it('knows no speed before the first stored chunk, then measures stored bytes over time', () => {
    const r = new StoredRate({ windowMs: 20_000, minSpanMs: 1000 })
    r.start(0, 0)
    expect(r.bytesPerSecond(5000)).toBeUndefined()
    expect(r.etaSeconds(40 * MiB, 5000)).toBeUndefined()
    r.record(8 * MiB, 4000) // the first chunk lands after 4 s
    expect(r.bytesPerSecond(4000)).toBe(2 * MiB)
    expect(r.etaSeconds(32 * MiB, 4000)).toBe(16)
  })

  it('decays while nothing lands instead of freezing at the last burst', () => {
    const r = new StoredRate({ windowMs: 20_000 })
    r.start(0, 0)
    r.record(8 * MiB, 1000)
    const atChunk = r.bytesPerSecond(1000) ?? 0
    const later = r.bytesPerSecond(8000) ?? 0
    expect(later).toBeLessThan(atChunk)
    expect(later).toBe(MiB)
    expect(r.etaSeconds(8 * MiB, 8000)).toBe(8)
  })

  it('only looks at the sliding window: a slow start stops weighing once it is old', () => {
    const r = new StoredRate({ windowMs: 10_000 })
    r.start(0, 0)
    r.record(1 * MiB, 30_000) // 30 s for the first MiB
    for (let t = 31_000; t <= 60_000; t += 1000) r.record(MiB + ((t - 30_000) / 1000) * 4 * MiB, t)
    // 4 MiB/s for the last 30 s; the window sees only that.
    expect(r.bytesPerSecond(60_000)).toBeCloseTo(4 * MiB, -3)
  })

  it('never says 0 s while bytes remain, and 0 exactly at the end', () => {
    const r = new StoredRate({ windowMs: 20_000 })
    r.start(0, 0)
    r.record(1000 * MiB, 1000) // absurdly fast
    expect(r.etaSeconds(1, 1000)).toBe(1)
    expect(r.etaSeconds(0, 1000)).toBe(0)
  })

  it('ignores repeats and starts afresh after a pause', () => {
    const r = new StoredRate()
    r.start(0, 0)
    r.record(4 * MiB, 2000)
    r.record(4 * MiB, 3000)
    expect(r.bytesPerSecond(4000)).toBe(MiB)
    r.reset()
    expect(r.bytesPerSecond(5000)).toBeUndefined()
    r.start(4 * MiB, 10_000)
    expect(r.bytesPerSecond(20_000)).toBeUndefined()
    r.record(6 * MiB, 12_000)
    expect(r.bytesPerSecond(12_000)).toBe(MiB)
  })
})
