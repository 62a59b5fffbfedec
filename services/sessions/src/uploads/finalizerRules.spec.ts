import { describe, expect, it } from 'vitest'
import { mapLimit } from './mapLimit.ts'
import { formatMultipartRef, parseMultipartRef } from './multipartRef.ts'
import { assemblyMode, MIN_PART_SIZE } from './partPlan.ts'
import { Semaphore } from './Semaphore.ts'

describe('assembly mode', () => {
  it('copies chunks as parts only when every part but the last reaches 5 MiB, and one chunk whole', () => {
    expect(assemblyMode({ fileSize: 3 * MIN_PART_SIZE, chunkSize: MIN_PART_SIZE, chunkCount: 3 })).toBe(
      'copy-parts',
    )
    expect(assemblyMode({ fileSize: 3000, chunkSize: 1024, chunkCount: 3 })).toBe('group-parts')
    // One chunk is the file: any non-empty size is copied whole; a 0-byte file is one empty part.
    expect(assemblyMode({ fileSize: 10, chunkSize: 8 * 1024 * 1024, chunkCount: 1 })).toBe('copy-object')
    expect(assemblyMode({ fileSize: 0, chunkSize: 8 * 1024 * 1024, chunkCount: 1 })).toBe('group-parts')
  })
})

describe('multipart references', () => {
  it('round-trips key and upload id and rejects junk', () => {
    const ref = formatMultipartRef('objects/sha256/ab/abc-5', 'Zm9v.bar~1')
    expect(parseMultipartRef(ref)).toEqual({
      objectKey: 'objects/sha256/ab/abc-5',
      multipartUploadId: 'Zm9v.bar~1',
    })
    expect(parseMultipartRef('nospace')).toBeUndefined()
    expect(parseMultipartRef(' leading')).toBeUndefined()
    expect(parseMultipartRef('trailing ')).toBeUndefined()
  })
})

describe('mapLimit', () => {
  it('keeps order and never exceeds the bound', async () => {
    let active = 0
    let peak = 0
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setImmediate(r))
      active--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30])
    expect(peak).toBe(2)
  })

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 3, async (n) => {
        if (n === 2) throw new Error('boom')
        return n
      }),
    ).rejects.toThrow('boom')
  })
})

describe('Semaphore', () => {
  it('never lets more than its permits run and releases on failure', async () => {
    const sem = new Semaphore(2)
    let active = 0
    let peak = 0
    const task = (fail: boolean) =>
      sem.use(async () => {
        active++
        peak = Math.max(peak, active)
        await new Promise((r) => setImmediate(r))
        active--
        if (fail) throw new Error('x')
        return 1
      })
    const results = await Promise.allSettled([task(true), task(false), task(true), task(false), task(false)])
    expect(peak).toBe(2)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    expect(await task(false)).toBe(1)
  })
})
