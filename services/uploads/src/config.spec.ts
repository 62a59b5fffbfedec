import { ConfigError } from '@lfusys/config'
import { describe, expect, it } from 'vitest'
import { loadUploadsConfig } from './config.ts'

const base = {
  LFUSYS_ENV: 'test',
  S3_BUCKET: 'lfusys-dev-data',
  UPLOAD_TOKEN_KEYS: 'k1:0123456789abcdef0123456789abcdef',
  WEB_ORIGIN: 'http://localhost:5173',
}

describe('uploads config', () => {
  it('defaults host, port and limits', () => {
    expect(loadUploadsConfig(base)).toMatchObject({
      UPLOADS_HOST: '127.0.0.1',
      UPLOADS_PORT: 3101,
      UPLOADS_MAX_CONCURRENT_CHUNKS: 16,
      UPLOADS_RETRY_AFTER_SECONDS: 1,
      UPLOADS_REQUEST_TIMEOUT_MS: 120_000,
    })
  })

  it('refuses a concurrency limit out of range', () => {
    expect(() => loadUploadsConfig({ ...base, UPLOADS_MAX_CONCURRENT_CHUNKS: '0' })).toThrow(ConfigError)
    expect(() => loadUploadsConfig({ ...base, UPLOADS_MAX_CONCURRENT_CHUNKS: '0' })).toThrow(
      /UPLOADS_MAX_CONCURRENT_CHUNKS/,
    )
  })
})
