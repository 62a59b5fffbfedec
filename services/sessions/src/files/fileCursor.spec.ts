import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from './fileCursor.ts'

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
