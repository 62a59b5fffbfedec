import { describe, expect, it } from 'vitest'
import {
  ADMIN_ONLY_LISTING,
  errorBodySchema,
  mayListFiles,
  readinessSchema,
  registerBodySchema,
  userResponseSchema,
} from './index.ts'

describe('account bodies', () => {
  it('trims and checks a new address, and caps what is parsed as a password', () => {
    expect(registerBodySchema.parse({ email: '  a@example.com ', password: 'x' })).toEqual({
      email: 'a@example.com',
      password: 'x',
    })
    const bad = registerBodySchema.safeParse({ email: 'not an address', password: 'p'.repeat(1025) })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['email', 'must be a valid email address'],
      ['password', 'password is too long'],
    ])
  })

  it('parses the user of an account answer and refuses an unknown role', () => {
    const user = { id: 'u1', email: 'a@example.com', name: 'Ada', role: 'admin', emailVerified: true }
    expect(userResponseSchema.parse({ user })).toEqual({ user })
    expect(userResponseSchema.safeParse({ user: { ...user, role: 'root' } }).success).toBe(false)
  })
})

describe('file listing rule', () => {
  it('lets everyone list their own files and only admins every file', () => {
    expect(mayListFiles({ isAdmin: false }, false)).toBe(true)
    expect(mayListFiles({ isAdmin: false }, true)).toBe(false)
    expect(mayListFiles({ isAdmin: true }, true)).toBe(true)
    expect(ADMIN_ONLY_LISTING).toEqual({
      message: 'only admins may list every user’s files',
      reason: 'admin_only',
    })
  })
})

describe('error and health bodies', () => {
  it('accepts the one error body and a readiness answer', () => {
    expect(errorBodySchema.safeParse({ error: { code: 'NOT_FOUND', message: 'no' } }).success).toBe(true)
    expect(errorBodySchema.safeParse({ code: 'NOT_FOUND' }).success).toBe(false)
    const check = { status: 'up', latencyMs: 3, required: true }
    expect(
      readinessSchema.safeParse({
        status: 'ok',
        checks: { dynamodb: check, redis: check, sessions: { ...check, dependencies: { s3: 'unknown' } } },
      }).success,
    ).toBe(true)
  })
})
