import { describe, expect, it } from 'vitest'
import { contentTypeSchema, downloadContentType, fileNameSchema, isActiveContentType } from './values.ts'

describe('file names', () => {
  it('take any printable Unicode name up to 255 characters', () => {
    for (const name of [
      'résumé final.pdf',
      '報告書 2026.xlsx',
      'emoji 😀.png',
      'x'.repeat(255),
      ' leading space',
    ])
      expect(fileNameSchema.safeParse(name).success).toBe(true)
  })

  it('refuse control, format and separator characters, blank and over-long names', () => {
    const refused = [
      'a\u0000b',
      'line\nbreak',
      'next\u0085line',
      'invoice\u202Efdp.exe',
      'zero\u200Bwidth',
      'bom\uFEFF.txt',
      'sep\u2028x',
      '   ',
      '',
      'x'.repeat(256),
    ]
    for (const name of refused)
      expect({ name, ok: fileNameSchema.safeParse(name).success }).toEqual({ name, ok: false })
  })
})

describe('content types', () => {
  it('accept media types with parameters and refuse anything else', () => {
    expect(contentTypeSchema.safeParse('text/plain; charset="utf-8"').success).toBe(true)
    expect(contentTypeSchema.safeParse('application/vnd.ms-excel').success).toBe(true)
    for (const bad of ['text', 'text/plain; x', 'text/plain\r\nX-Evil: 1', `a/${'b'.repeat(260)}`])
      expect(contentTypeSchema.safeParse(bad).success).toBe(false)
  })

  it('serve active content as an opaque download and everything else as stored', () => {
    for (const active of [
      'text/html',
      'TEXT/HTML; charset=utf-8',
      'image/svg+xml',
      'application/atom+xml',
      'text/javascript',
    ])
      expect(isActiveContentType(active)).toBe(true)
    expect(downloadContentType('text/html')).toBe('application/octet-stream')
    expect(downloadContentType('image/png')).toBe('image/png')
    expect(downloadContentType('application/json')).toBe('application/json')
  })
})
