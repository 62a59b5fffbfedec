import { AppError } from '@lfusys/errors'
import { describe, expect, it } from 'vitest'
import { createUploadSchema, parseRequest } from './messages.ts'

const base = {
  caller: { userId: 'u1', isAdmin: false },
  fileName: 'a.bin',
  fileSize: 10,
  contentType: '',
}

describe('CreateUpload validation', () => {
  it('fills defaults and treats empty optional strings as unset', () => {
    expect(parseRequest(createUploadSchema, { ...base, contentHash: '' })).toEqual({
      ...base,
      contentType: 'application/octet-stream',
      contentHash: undefined,
    })
  })

  it('names the field of each problem', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ fileName: '' }, 'file name must not be empty'],
      [{ fileName: 'x'.repeat(256) }, 'file name must be at most 255 characters'],
      [{ fileName: 'a\u0000b' }, 'file name must not contain control or format characters'],
      [{ fileName: 'invoice\u202Efdp.exe' }, 'file name must not contain control or format characters'],
      [{ fileName: 'a\u0085b' }, 'file name must not contain control or format characters'],
      [{ fileName: '   ' }, 'file name must not be blank'],
      [{ fileSize: -1 }, 'file_size must be a whole number of bytes'],
      [{ contentType: 'not a type' }, 'content type must be a media type like text/plain'],
      [{ contentHash: 'g'.repeat(64) }, 'content_hash must be 64 lowercase hex characters'],
      [{ caller: null }, 'caller is required'],
    ]
    for (const [patch, message] of cases) {
      let caught: unknown
      try {
        parseRequest(createUploadSchema, { ...base, ...patch })
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(AppError)
      expect(caught).toMatchObject({ code: 'VALIDATION_FAILED', message })
    }
  })
})
