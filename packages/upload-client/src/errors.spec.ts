import { describe, expect, it } from 'vitest'
import { isRetryable, UploadError } from './errors.ts'

const withStatus = (status: number, code = 'X') => new UploadError(code, 'm', { status })

describe('isRetryable', () => {
  it('tries again after network errors, 5xx, 429 and a body cut for arriving too slowly (408)', () => {
    expect(isRetryable(new UploadError('NETWORK_ERROR', 'refused'))).toBe(true)
    for (const status of [408, 429, 500, 502, 503, 504])
      expect(isRetryable(withStatus(status)), String(status)).toBe(true)
  })

  it('takes every other 4xx as a verdict, including 410 for an ended upload', () => {
    for (const status of [400, 401, 403, 404, 409, 410, 411, 413, 422]) {
      expect(isRetryable(withStatus(status)), String(status)).toBe(false)
    }
    expect(isRetryable(new Error('plain'))).toBe(false)
  })
})
