import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from './index.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)))
      cb()
    },
  })
  return { lines, stream }
}

describe('createLogger', () => {
  it('writes JSON with the service name and redacts secrets and auth headers', () => {
    const { lines, stream } = capture()
    const log = createLogger({ service: 'gateway', level: 'info', stream })
    log.info(
      {
        password: 'hunter22',
        user: { password: 'x', email: 'a@b.c' },
        req: { headers: { authorization: 'Bearer abc', cookie: 'session=1', accept: '*/*' } },
      },
      'login attempt',
    )
    expect(lines).toHaveLength(1)
    const line = lines[0]
    expect(line).toMatchObject({
      service: 'gateway',
      level: 'info',
      msg: 'login attempt',
      password: '[redacted]',
    })
    expect(line?.user).toEqual({ password: '[redacted]', email: 'a@b.c' })
    expect(line?.req).toEqual({
      headers: { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' },
    })
  })

  it('respects the level', () => {
    const { lines, stream } = capture()
    const log = createLogger({ service: 's', level: 'warn', stream })
    log.info('hidden')
    log.warn('shown')
    expect(lines.map((l) => l.msg)).toEqual(['shown'])
  })

  it('writes readable lines in the pretty format (make dev), still redacted', () => {
    let text = ''
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk)
        cb()
      },
    })
    const log = createLogger({ service: 'uploads', level: 'info', format: 'pretty', stream })
    log.info({ uploadId: 'u-1', password: 'hunter22' }, 'chunk stored')
    expect(() => JSON.parse(text)).toThrow()
    expect(text).toMatch(/INFO.*chunk stored/)
    expect(text).toContain('u-1')
    expect(text).not.toContain('hunter22')
  })
})
