import { describe, expect, it } from 'vitest'
import { AppError, isAppError, isErrorCode } from './index.ts'

describe('AppError', () => {
  it('keeps code, details, cause and retry hint', () => {
    const cause = new Error('socket closed')
    const err = new AppError('UNAVAILABLE', 'storage is unavailable', {
      cause,
      details: { dependency: 's3' },
      retryAfterSeconds: 2,
    })
    expect(err).toBeInstanceOf(Error)
    expect(isAppError(err)).toBe(true)
    expect(err.code).toBe('UNAVAILABLE')
    expect(err.cause).toBe(cause)
    expect(err.details).toEqual({ dependency: 's3' })
    expect(err.retryAfterSeconds).toBe(2)
    expect(err.stack).toContain('AppError.spec.ts')
  })

  it('recognises only known codes', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true)
    expect(isErrorCode('TEAPOT')).toBe(false)
    expect(isAppError(new Error('x'))).toBe(false)
  })
})
