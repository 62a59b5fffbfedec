import { createLogger } from '@lfusys/logger'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import { FinalizationLease, LeaseLostError, takeoverDelay } from './FinalizationLease.ts'

const log = createLogger({ service: 'lease-spec', level: 'silent' })
const LEASE_MS = 3000
const record = { uploadId: 'u-1', status: 'finalizing' } as UploadRecord

/** The three lease writes, answering what each test says. */
function writes(renewals: boolean[] = []) {
  const calls = { renew: 0, release: [] as string[] }
  return {
    calls,
    acquireLease: vi.fn(async (_id: string, owner: string) => ({ ...record, leaseOwner: owner })),
    renewLease: vi.fn(async () => renewals[calls.renew++] ?? true),
    releaseLease: vi.fn(async (_id: string, owner: string) => {
      calls.release.push(owner)
    }),
  }
}

describe('FinalizationLease', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('is not taken when the conditional write refuses it', async () => {
    const w = { ...writes(), acquireLease: vi.fn(async () => undefined) }
    expect(
      await FinalizationLease.take(w, 'u-1', { leaseMs: LEASE_MS, workerId: 'host:1', log }),
    ).toBeUndefined()
  })

  it('renews every third of its term while held, and stops when told', async () => {
    const w = writes()
    const lease = await FinalizationLease.take(w, 'u-1', { leaseMs: LEASE_MS, workerId: 'host:1', log })
    if (!lease) throw new Error('expected the lease')
    expect(lease.owner).toMatch(/^host:1:u-1:/)
    await vi.advanceTimersByTimeAsync(LEASE_MS)
    expect(w.renewLease).toHaveBeenCalledTimes(3)
    expect(lease.signal.aborted).toBe(false)
    lease.stop()
    await vi.advanceTimersByTimeAsync(LEASE_MS)
    expect(w.renewLease).toHaveBeenCalledTimes(3)
  })

  it('aborts its signal with a LeaseLostError once a renewal is refused', async () => {
    const w = writes([true, false])
    const lease = await FinalizationLease.take(w, 'u-1', { leaseMs: LEASE_MS, workerId: 'host:1', log })
    if (!lease) throw new Error('expected the lease')
    const aborted = vi.fn()
    lease.signal.addEventListener('abort', aborted)
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3)
    expect(lease.signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3)
    expect(aborted).toHaveBeenCalledOnce()
    expect(lease.signal.reason).toBeInstanceOf(LeaseLostError)
    expect(() => lease.check()).toThrow(LeaseLostError)
    // No more renewals once lost.
    await vi.advanceTimersByTimeAsync(LEASE_MS)
    expect(w.renewLease).toHaveBeenCalledTimes(2)
  })

  it('a refused write under the lease loses it and throws', async () => {
    const lease = await FinalizationLease.take(writes(), 'u-1', { leaseMs: LEASE_MS, workerId: 'h', log })
    if (!lease) throw new Error('expected the lease')
    expect(() => lease.lost('session changed under the lease')).toThrow('session changed under the lease')
    expect(lease.signal.aborted).toBe(true)
  })

  it('is given back by its owner on release', async () => {
    const w = writes()
    const lease = await FinalizationLease.take(w, 'u-1', { leaseMs: LEASE_MS, workerId: 'h', log })
    if (!lease) throw new Error('expected the lease')
    await lease.release()
    expect(w.calls.release).toEqual([lease.owner])
    await vi.advanceTimersByTimeAsync(LEASE_MS)
    expect(w.renewLease).not.toHaveBeenCalled()
  })
})

describe('takeoverDelay', () => {
  const now = 1_000_000
  const at = (leaseExpiresAt: number | undefined, status: UploadRecord['status'] = 'finalizing') =>
    ({ ...record, status, leaseExpiresAt }) as UploadRecord

  it('waits for an aging lease to run out, plus a second', () => {
    expect(takeoverDelay(at(now + 1000), LEASE_MS, now)).toBe(2000)
    expect(takeoverDelay(at(now - 500), LEASE_MS, now)).toBe(1000)
  })

  it('defers behind a freshly renewed lease too: a holder may have no message of its own', () => {
    expect(takeoverDelay(at(now + LEASE_MS), LEASE_MS, now)).toBe(LEASE_MS + 1000)
  })

  it('leaves a finished upload or a missing one alone', () => {
    expect(takeoverDelay(at(now + 1000, 'complete'), LEASE_MS, now)).toBeUndefined()
    expect(takeoverDelay(undefined, LEASE_MS, now)).toBeUndefined()
  })
})
