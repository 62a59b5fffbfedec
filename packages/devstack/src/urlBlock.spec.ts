import { describe, expect, it } from 'vitest'
import { formatUrlBlock } from './urlBlock.ts'

describe('formatUrlBlock', () => {
  it('aligns every entry under one another, one per line', () => {
    expect(
      formatUrlBlock([
        { label: 'Web app', url: 'http://localhost:5173' },
        { label: 'API docs', url: 'http://127.0.0.1:3100/docs' },
        { label: 'Mail inbox', url: 'http://127.0.0.1:1080' },
      ]),
    ).toBe(
      [
        '  Web app     http://localhost:5173',
        '  API docs    http://127.0.0.1:3100/docs',
        '  Mail inbox  http://127.0.0.1:1080',
      ].join('\n'),
    )
  })
})
