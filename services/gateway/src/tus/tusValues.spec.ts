import { describe, expect, it } from 'vitest'
import { MemoryBudget } from './MemoryBudget.ts'
import { isExpired } from './TusUploads.ts'
import { parseUploadMetadata } from './tusRoutes.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('Upload-Metadata', () => {
  it('decodes base64 values and keys without a value', () => {
    const parsed = parseUploadMetadata(
      `filename ${b64('résumé.pdf')},filetype ${b64('application/pdf')},is_confidential`,
    )
    expect(parsed && Object.fromEntries(parsed)).toEqual({
      filename: 'résumé.pdf',
      filetype: 'application/pdf',
      is_confidential: '',
    })
    expect(parseUploadMetadata(undefined)?.size).toBe(0)
    expect(parseUploadMetadata('')?.size).toBe(0)
  })

  it('refuses duplicate keys, extra parts and values that are not base64', () => {
    expect(parseUploadMetadata(`a ${b64('x')},a ${b64('y')}`)).toBeUndefined()
    expect(parseUploadMetadata('a b c')).toBeUndefined()
    expect(parseUploadMetadata('a not*base64')).toBeUndefined()
  })
})

describe('the tus memory budget', () => {
  it('admits reservations up to its limit and takes released bytes back', () => {
    const budget = new MemoryBudget(10)
    expect(budget.tryReserve(8)).toBe(true)
    expect(budget.tryReserve(3)).toBe(false)
    expect(budget.used).toBe(8)
    budget.release(8)
    expect(budget.tryReserve(10)).toBe(true)
  })
})

describe('expiry', () => {
  const upload = {
    id: 'x',
    fileName: 'a',
    fileSize: 1,
    contentType: 'application/octet-stream',
    contentHash: null,
    chunkSize: 1,
    chunkCount: 1,
    receivedChunks: [],
    chunkUploadUrl: '',
    fileId: null,
    failureReason: null,
    createdAt: new Date(0).toISOString(),
    expiresAt: new Date(1000).toISOString(),
  }
  it('counts an unfinished upload past its expiry as expired before the sweeper marks it', () => {
    expect(isExpired({ ...upload, status: 'uploading' }, 999)).toBe(false)
    expect(isExpired({ ...upload, status: 'uploading' }, 1000)).toBe(true)
    expect(isExpired({ ...upload, status: 'expired' }, 0)).toBe(true)
    expect(isExpired({ ...upload, status: 'complete' }, 5000)).toBe(false)
  })
})
