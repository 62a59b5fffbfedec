import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type TooSlow, watchTransferRate } from './transferRate.ts'

const rate = { bytesPerSecond: 1000, graceMs: 2000, windowMs: 1000 }

describe('watchTransferRate', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function watch(length: number) {
    const state = { received: 0, stalled: false, cut: undefined as TooSlow | undefined }
    const stop = watchTransferRate(
      rate,
      { received: () => state.received, length, stalledByUs: () => state.stalled },
      (info) => {
        state.cut = info
      },
    )
    return { state, stop }
  }

  it('leaves a body alone during the grace, then cuts one that falls below the rate', () => {
    const { state } = watch(100_000)
    vi.advanceTimersByTime(1900)
    expect(state.cut).toBeUndefined()
    for (let i = 0; i < 20; i++) {
      state.received += 100
      vi.advanceTimersByTime(250)
    }
    expect(state.cut).toEqual({ receivedInWindow: 100, requiredInWindow: 1000, windowMs: 1000 })
  })

  it('keeps a body at the rate, and one whose rest is smaller than a window', () => {
    const { state, stop } = watch(10_000)
    for (let i = 0; i < 36; i++) {
      state.received = Math.min(10_000, state.received + 300)
      vi.advanceTimersByTime(250)
    }
    expect(state.cut).toBeUndefined()
    stop()
  })

  it('does not count time in which the service applied backpressure', () => {
    const { state, stop } = watch(100_000)
    state.stalled = true
    vi.advanceTimersByTime(10_000)
    expect(state.cut).toBeUndefined()
    state.stalled = false
    vi.advanceTimersByTime(1500)
    expect(state.cut).toMatchObject({ receivedInWindow: 0 })
    stop()
  })

  it('is off at rate 0', () => {
    let cut = false
    const stop = watchTransferRate(
      { ...rate, bytesPerSecond: 0 },
      { received: () => 0, length: 10, stalledByUs: () => false },
      () => {
        cut = true
      },
    )
    vi.advanceTimersByTime(60_000)
    expect(cut).toBe(false)
    stop()
  })
})
