import { describe, expect, it } from 'vitest'
import { contentDisposition } from './contentDisposition.ts'

describe('contentDisposition', () => {
  it('keeps plain names and encodes the exact name in filename*', () => {
    expect(contentDisposition('report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    )
  })

  it('replaces quotes, backslashes and non-ASCII in the fallback and percent-encodes filename*', () => {
    expect(contentDisposition('naïve "q"\\x (1)*.txt')).toBe(
      `attachment; filename="na_ve _q__x (1)*.txt"; filename*=UTF-8''na%C3%AFve%20%22q%22%5Cx%20%281%29%2A.txt`,
    )
  })

  it('never lets a name break out of the header', () => {
    const header = contentDisposition('a\r\nSet-Cookie: x=1')
    expect(header).not.toMatch(/[\r\n]/)
  })
})
