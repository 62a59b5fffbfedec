import { ConfigError } from '@lfusys/config'
import { describe, expect, it } from 'vitest'
import { loadGatewayConfig } from './config.ts'

const base = {
  LFUSYS_ENV: 'development',
  DYNAMODB_USERS_TABLE: 'x-users',
  AUTH_TOKEN_KEYS: `k:${'s'.repeat(32)}`,
  SERVICE_TOKEN_KEYS: `c:${'t'.repeat(32)}`,
  SMTP_URL: 'smtp://127.0.0.1:1025',
  S3_BUCKET: 'x-data',
}

function problems(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems]
    throw err
  }
  return []
}

describe('gateway config', () => {
  it('starts in development with only the table and the token keys', () => {
    const cfg = loadGatewayConfig(base)
    expect(cfg).toMatchObject({
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: 3100,
      SESSIONS_GRPC_URL: '127.0.0.1:3102',
      ACCESS_TOKEN_TTL_SECONDS: 600,
      ADMIN_EMAILS: [],
      TRUSTED_PROXIES: [],
    })
    expect(cfg.GITHUB_CLIENT_ID).toBeUndefined()
    expect(cfg.GATEWAY_PUBLIC_URL).toBeUndefined()
  })

  it('gives the tus endpoint its own staging prefix, never one that overlaps the chunk prefix', () => {
    expect(loadGatewayConfig(base)).toMatchObject({
      S3_CHUNK_PREFIX: 'chunks/',
      TUS_STAGING_PREFIX: 'tus-staging/',
      TUS_LOCK_SECONDS: 30,
    })
    expect(problems({ ...base, TUS_STAGING_PREFIX: 'chunks/' })).toEqual([
      'TUS_STAGING_PREFIX: must not overlap S3_CHUNK_PREFIX (objects there are counted as chunks)',
    ])
  })

  it('requires both halves of an OAuth client', () => {
    expect(problems({ ...base, GITHUB_CLIENT_ID: 'id' })).toEqual([
      'GITHUB_CLIENT_SECRET: set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET or neither',
    ])
  })

  it('runs as production when LFUSYS_ENV is unset', () => {
    const { LFUSYS_ENV: _, ...unset } = base
    expect(problems(unset)).toContain('MAIL_FROM: required in production')
  })

  it('needs SMTP_URL for the smtp transport only', () => {
    const { SMTP_URL: _, ...noSmtp } = base
    expect(problems(noSmtp)).toEqual(['SMTP_URL: required when MAIL_TRANSPORT=smtp'])
    expect(problems({ ...noSmtp, MAIL_TRANSPORT: 'ses' })).toEqual([])
  })

  it('makes each OAuth provider optional in production', () => {
    expect(problems({ ...base, LFUSYS_ENV: 'production' })).toEqual(['MAIL_FROM: required in production'])
    expect(
      problems({ ...base, LFUSYS_ENV: 'production', GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's' }),
    ).toEqual(['MAIL_FROM: required in production'])
    expect(problems({ ...base, LFUSYS_ENV: 'production', GOOGLE_CLIENT_ID: 'id' })).toEqual([
      'MAIL_FROM: required in production',
      'GOOGLE_CLIENT_SECRET: set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET or neither',
    ])
  })

  it('names every bad variable', () => {
    const found = problems({
      LFUSYS_ENV: 'development',
      SESSIONS_GRPC_URL: 'http://x',
      ACCESS_TOKEN_TTL_SECONDS: '5',
      REDIS_KEY_PREFIX: 'a b',
    })
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual([
      'ACCESS_TOKEN_TTL_SECONDS',
      'AUTH_TOKEN_KEYS',
      'DYNAMODB_USERS_TABLE',
      'REDIS_KEY_PREFIX',
      'S3_BUCKET',
      'SERVICE_TOKEN_KEYS',
      'SESSIONS_GRPC_URL',
    ])
  })
})
