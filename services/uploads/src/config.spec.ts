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
      UPLOADS_MAX_INFLIGHT_BYTES: 32 * 1024 * 1024,
      UPLOADS_RECEIVE_MODE: 'memory-then-disk',
      UPLOADS_SPOOL_DIR: '/tmp/lfusys-uploads',
      UPLOADS_MAX_BUFFERED_CHUNK_BYTES: 16 * 1024 * 1024,
      UPLOADS_STAGING_PREFIX: 'staging/',
    })
  })

  it('refuses a staging prefix under the chunk prefix, where unverified bytes would be counted', () => {
    expect(() => loadUploadsConfig({ ...base, UPLOADS_STAGING_PREFIX: 'chunks/' })).toThrow(ConfigError)
    expect(() => loadUploadsConfig({ ...base, UPLOADS_STAGING_PREFIX: 'chunks/' })).toThrow(
      /UPLOADS_STAGING_PREFIX: must not lie under S3_CHUNK_PREFIX/,
    )
  })

  it('refuses a buffered chunk limit above the in-flight byte budget', () => {
    expect(() =>
      loadUploadsConfig({
        ...base,
        UPLOADS_MAX_INFLIGHT_BYTES: String(4 * 1024 * 1024),
        UPLOADS_MAX_BUFFERED_CHUNK_BYTES: String(8 * 1024 * 1024),
      }),
    ).toThrow(/UPLOADS_MAX_BUFFERED_CHUNK_BYTES: must not exceed UPLOADS_MAX_INFLIGHT_BYTES/)
  })
})
