import type { UploadSnapshot } from '@lfusys/upload-client'
import { describe, expect, it } from 'vitest'
import { formatEta, renderProgressLine } from './ProgressBar.ts'

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

describe('CLI progress line', () => {
  it('fills with stored chunks and marks bytes in flight apart', () => {
    const line = renderProgressLine(
      snap({
        storedBytes: 16 * MiB,
        chunksDone: 2,
        inflightBytes: 8 * MiB,
        bytesPerSecond: 2 * MiB,
        etaSeconds: 12,
      }),
      20,
    )
    expect(line).toBe(
      'Uploading  [########====........]  40% 2/5 chunks 16.0 MiB/40.0 MiB stored 2.0 MiB/s ETA 12s',
    )
  })

  it('says it is estimating rather than inventing a speed before the first chunk is stored', () => {
    const line = renderProgressLine(snap({ inflightBytes: 21 * MiB }), 10)
    expect(line).toBe('Uploading  [=====.....]   0% 0/5 chunks 0 B/40.0 MiB stored ETA estimating')
  })

  it('names hashing and assembling', () => {
    expect(renderProgressLine(snap({ phase: 'hashing', hashedBytes: 10 * MiB }), 4)).toBe(
      'Hashing    [#...]  25% 10.0 MiB/40.0 MiB hashed',
    )
    expect(renderProgressLine(snap({ phase: 'finalizing', storedBytes: 40 * MiB, chunksDone: 5 }), 4)).toBe(
      'Assembling [####] 100% 5/5 chunks 40.0 MiB/40.0 MiB stored',
    )
  })

  it('rounds the ETA up, so it never reads 0s while something remains', () => {
    expect(formatEta(0.2)).toBe('1s')
    expect(formatEta(61)).toBe('1m01s')
    expect(formatEta(3700)).toBe('1h01m')
    expect(formatEta(undefined)).toBe('--')
  })
})
