import { describe, expect, it } from 'vitest'
import { ThroughputMeter } from './ThroughputMeter.ts'

describe('ThroughputMeter', () => {
  it('converges on a steady rate and derives the ETA from it', () => {
    const m = new ThroughputMeter({ tauMs: 1000, minIntervalMs: 100 })
    for (let t = 0; t <= 10_000; t += 500) m.sample(t * 1000, t) // 1,000,000 B/s
    expect(m.bytesPerSecond).toBeCloseTo(1_000_000, -3)
    expect(m.etaSeconds(5_000_000)).toBeCloseTo(5, 1)
  })

  it('smooths a burst instead of jumping to it', () => {
    const m = new ThroughputMeter({ tauMs: 4000, minIntervalMs: 100 })
    for (let t = 0; t <= 8000; t += 500) m.sample(t * 1000, t)
    m.sample(8000 * 1000 + 8_000_000, 8500) // one chunk landing at once: 16 MB/s for 500 ms
    const speed = m.bytesPerSecond ?? 0
    expect(speed).toBeGreaterThan(1_000_000)
    expect(speed).toBeLessThan(3_000_000)
  })

  it('ignores samples closer than the minimum interval and forgets everything on reset', () => {
    const m = new ThroughputMeter({ minIntervalMs: 250 })
    m.sample(0, 0)
    m.sample(1000, 10)
    expect(m.bytesPerSecond).toBeUndefined()
    m.sample(1000, 1000)
    expect(m.bytesPerSecond).toBe(1000)
    m.reset()
    expect(m.bytesPerSecond).toBeUndefined()
    expect(m.etaSeconds(10)).toBeUndefined()
  })
})
