import { describe, expect, it } from 'vitest'
import { describeProgress } from './progressView.ts'
import type { UploadSnapshot } from './UploadTask.ts'

const MiB = 1024 * 1024

function snap(patch: Partial<UploadSnapshot>): UploadSnapshot {
  return {
    phase: 'uploading',
    fileName: 'f.bin',
    totalBytes: 40 * MiB,
    hashedBytes: 40 * MiB,
    storedBytes: 0,
    inflightBytes: 0,
    chunkCount: 5,
    chunksDone: 0,
    bytesPerSecond: undefined,
    etaSeconds: undefined,
    uploadId: 'u1',
    contentHash: undefined,
    file: undefined,
    fileId: undefined,
    error: undefined,
    paused: false,
    ...patch,
  }
}

describe('describeProgress', () => {
  it('fills the bar with stored chunks only and shows bytes in flight apart', () => {
    // 4 chunks on the wire, 21 MiB of them sent, nothing stored: the bar says 0 %.
    const v = describeProgress(snap({ storedBytes: 0, inflightBytes: 21 * MiB }))
    expect(v).toMatchObject({ stage: 'uploading', label: 'Uploading', done: 0, percent: 0 })
    expect(v.inflight).toBeCloseTo(21 / 40)
    const w = describeProgress(snap({ storedBytes: 16 * MiB, chunksDone: 2, inflightBytes: 30 * MiB }))
    expect(w.percent).toBe(40)
    expect(w.done + w.inflight).toBe(1)
  })

  it('names every phase a person sees', () => {
    expect(describeProgress(snap({ phase: 'hashing', hashedBytes: 10 * MiB }))).toMatchObject({
      label: 'Hashing',
      percent: 25,
    })
    expect(
      describeProgress(snap({ phase: 'finalizing', storedBytes: 40 * MiB, chunksDone: 5 })),
    ).toMatchObject({ stage: 'assembling', label: 'Assembling', percent: 100 })
    expect(describeProgress(snap({ phase: 'complete', storedBytes: 40 * MiB }))).toMatchObject({
      stage: 'complete',
      label: 'Complete',
      percent: 100,
    })
    expect(describeProgress(snap({ paused: true, storedBytes: 8 * MiB }))).toMatchObject({
      stage: 'paused',
      percent: 20,
    })
    expect(describeProgress(snap({ phase: 'duplicate' })).label).toBe('Already uploaded')
  })

  it('never shows 100 % before the last chunk is stored', () => {
    const v = describeProgress(snap({ storedBytes: 40 * MiB - 1, chunksDone: 4, inflightBytes: 1 }))
    expect(v.percent).toBe(99)
  })

  it('counts the one empty chunk of a 0-byte file', () => {
    expect(describeProgress(snap({ totalBytes: 0, chunkCount: 1, chunksDone: 0 })).done).toBe(0)
    expect(describeProgress(snap({ totalBytes: 0, chunkCount: 1, chunksDone: 1 })).done).toBe(1)
  })
})
