import { AppError } from '@lfusys/errors'
import { describe, expect, it } from 'vitest'
import { createUploadSchema, decodeCursor, encodeCursor, parseRequest } from './messages.ts'

const base = {
  caller: { userId: 'u1', isAdmin: false },
  fileName: 'a.bin',
  fileSize: 10,
  contentType: '',
}

describe('CreateUpload validation', () => {
  it('fills defaults and treats empty optional strings as unset', () => {
    expect(parseRequest(createUploadSchema, { ...base, contentHash: '', resumeUploadId: '' })).toEqual({
      ...base,
      contentType: 'application/octet-stream',
      contentHash: undefined,
      resumeUploadId: undefined,
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
      [{ fileSize: -1 }, 'Too small: expected number to be >=0'],
      [{ contentType: 'not a type' }, 'content type must be a media type like text/plain'],
      [{ contentHash: 'g'.repeat(64) }, 'content_hash must be 64 lowercase hex characters'],
      [{ resumeUploadId: 'nope' }, 'resume_upload_id must be a lowercase UUID'],
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

describe('cursors', () => {
  it('round-trip and only continue the partition they came from', () => {
    const key = { pk: 'FILE#1', sk: 'FILE', gsi1pk: 'OWNER#u1', gsi1sk: '000#1' }
    const cursor = encodeCursor(key)
    expect(decodeCursor(cursor, { name: 'gsi1pk', value: 'OWNER#u1' })).toEqual(key)
    expect(() => decodeCursor(cursor, { name: 'gsi1pk', value: 'OWNER#u2' })).toThrow('cursor is invalid')
    expect(() => decodeCursor('!!!', { name: 'gsi1pk', value: 'OWNER#u1' })).toThrow('cursor is invalid')
    expect(decodeCursor('', { name: 'gsi1pk', value: 'OWNER#u1' })).toBeUndefined()
    expect(encodeCursor(undefined)).toBe('')
  })
})
