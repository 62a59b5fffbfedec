import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createS3Client } from '@lfusys/aws'
import { isId } from '@lfusys/contracts'
import { createLogger, type Logger } from '@lfusys/logger'
import { observeGauge } from '@lfusys/telemetry'
import { parseUploadTokenKeys, type UploadTokenKey } from '@lfusys/upload-token'
import { BufferPool } from './chunks/BufferPool.ts'
import { CapacityLimiter } from './chunks/CapacityLimiter.ts'
import { ChunkService } from './chunks/ChunkService.ts'
import type { ChunkStore } from './chunks/ChunkStore.ts'
import { S3ChunkStore } from './chunks/S3ChunkStore.ts'
import type { UploadsConfig } from './config.ts'

export interface UploadsDeps {
  log: Logger
  store: ChunkStore
  limiter: CapacityLimiter
  chunks: ChunkService
  tokenKeys: readonly UploadTokenKey[]
  close(): Promise<void>
}

export function createDeps(config: UploadsConfig, overrides: { log?: Logger } = {}): UploadsDeps {
  if (config.UPLOADS_RECEIVE_MODE !== 'memory') {
    mkdirSync(config.UPLOADS_SPOOL_DIR, { recursive: true, mode: 0o700 })
    // Files left by a crashed process are unverified or already stored: either way, garbage. Only
    // names this service creates, and only ones too old to belong to a live request (processes may
    // share the folder), are removed, whatever folder is configured.
    const staleBefore = Date.now() - 2 * config.UPLOADS_REQUEST_TIMEOUT_MS - 10 * 60_000
    for (const name of readdirSync(config.UPLOADS_SPOOL_DIR)) {
      const path = join(config.UPLOADS_SPOOL_DIR, name)
      if (isId(name) && statSync(path).mtimeMs < staleBefore) rmSync(path, { force: true })
    }
  }
  const log =
    overrides.log ?? createLogger({ service: 'uploads', level: config.LOG_LEVEL, format: config.LOG_FORMAT })
  const tokenKeys = parseUploadTokenKeys(config.UPLOAD_TOKEN_KEYS)
  // One socket per admitted chunk request plus a few for copies, deletes and health checks.
  const s3 = createS3Client(config, { maxSockets: config.UPLOADS_MAX_CONCURRENT_CHUNKS + 8 })
  const store = new S3ChunkStore(s3, config.S3_BUCKET)
  const limiter = new CapacityLimiter({
    maxConcurrent: config.UPLOADS_MAX_CONCURRENT_CHUNKS,
    maxBytes: config.UPLOADS_MAX_INFLIGHT_BYTES,
  })
  observeGauge(
    'lfusys.uploads.inflight.bytes',
    { unit: 'By', description: 'Bytes of chunk requests admitted and not yet answered.' },
    (result) => result.observe(limiter.usage.bytes),
  )
  const pool = new BufferPool(Math.min(config.UPLOADS_MAX_INFLIGHT_BYTES, 64 * 1024 * 1024))
  const chunks = new ChunkService({
    store,
    limiter,
    pool,
    tokenKeys,
    chunkPrefix: config.S3_CHUNK_PREFIX,
    stagingPrefix: config.UPLOADS_STAGING_PREFIX,
    maxBufferedChunkBytes: config.UPLOADS_MAX_BUFFERED_CHUNK_BYTES,
    receiveMode: config.UPLOADS_RECEIVE_MODE,
    spoolDir: config.UPLOADS_SPOOL_DIR,
    retryAfterSeconds: config.UPLOADS_RETRY_AFTER_SECONDS,
    log,
  })
  return {
    log,
    store,
    limiter,
    chunks,
    tokenKeys,
    async close() {
      s3.destroy()
    },
  }
}
