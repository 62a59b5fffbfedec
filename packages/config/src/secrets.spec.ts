import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, loadConfig, runtimeEnv } from './index.ts'
import {
  estimateEntropyBits,
  MIN_KEY_ENTROPY_BITS,
  PUBLISHED_SECRETS,
  productionSecretProblems,
} from './secrets.ts'

const schema = z.object({
  ...runtimeEnv,
  KEYS: z.string().describe('key ring'),
  CLIENT_SECRET: z.string().optional().describe('credential'),
})
const secrets = { KEYS: 'keyRing', CLIENT_SECRET: 'credential' } as const
const strong = () => randomBytes(32).toString('base64url')

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(schema, env, { secrets })
    return []
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems]
    throw err
  }
}

describe('entropy estimate', () => {
  it('credits generated keys with 32 bytes and patterns or words with far less', () => {
    for (let i = 0; i < 20; i++) {
      expect(estimateEntropyBits(randomBytes(32).toString('base64url'))).toBeGreaterThanOrEqual(
        MIN_KEY_ENTROPY_BITS,
      )
      expect(estimateEntropyBits(randomBytes(32).toString('base64'))).toBeGreaterThanOrEqual(
        MIN_KEY_ENTROPY_BITS,
      )
      expect(estimateEntropyBits(randomBytes(32).toString('hex'))).toBeGreaterThanOrEqual(
        MIN_KEY_ENTROPY_BITS,
      )
    }
    for (const weak of [
      's'.repeat(48),
      'ab'.repeat(40),
      '0123456789abcdef0123456789abcdef',
      randomBytes(16).toString('hex'),
      randomBytes(24).toString('base64url'),
      'password-password-password-pass',
    ]) {
      expect(estimateEntropyBits(weak), weak).toBeLessThan(MIN_KEY_ENTROPY_BITS)
    }
  })
})

describe('production secret checks', () => {
  it('runs as production when LFUSYS_ENV is unset and refuses every published secret', () => {
    expect(loadConfig(schema, { KEYS: `k:${strong()}` }).LFUSYS_ENV).toBe('production')
    for (const published of PUBLISHED_SECRETS) {
      expect(problems({ KEYS: `k1:${strong()},k2:${published}` })).toEqual([
        'KEYS: key "k2" uses a value published in the repository',
      ])
      expect(problems({ KEYS: `k1:${strong()}`, CLIENT_SECRET: published })).toEqual([
        'CLIENT_SECRET: uses a value published in the repository',
      ])
    }
  })

  it('refuses keys with less than 32 bytes of entropy, naming the variable and never the value', () => {
    const weak = 'x'.repeat(64)
    const found = problems({ KEYS: `k1:${weak}` })
    expect(found).toEqual([
      'KEYS: key "k1" has less than 32 bytes of entropy (generate one with `openssl rand -base64 32`)',
    ])
    expect(found.join('')).not.toContain(weak)
  })

  it('accepts strong unpublished keys in production, and anything outside production', () => {
    expect(
      problems({ KEYS: `k1:${strong()},k2:${randomBytes(32).toString('hex')}`, CLIENT_SECRET: 'x' }),
    ).toEqual([])
    for (const kind of ['development', 'test']) {
      expect(problems({ LFUSYS_ENV: kind, KEYS: `k1:${PUBLISHED_SECRETS[0]}` })).toEqual([])
    }
  })

  it('leaves malformed rings to the schema and skips unset variables', () => {
    expect(productionSecretProblems({ KEYS: 'no-colon' }, secrets)).toEqual([])
    expect(productionSecretProblems({}, secrets)).toEqual([])
  })
})
