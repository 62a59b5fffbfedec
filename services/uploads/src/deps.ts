import { createS3Client } from '@lfusys/aws'
import { createLogger, type Logger } from '@lfusys/logger'
import { observeGauge } from '@lfusys/telemetry'
import { parseUploadTokenKeys, type UploadTokenKey } from '@lfusys/upload-token'
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
  const log =
    overrides.log ?? createLogger({ service: 'uploads', level: config.LOG_LEVEL, format: config.LOG_FORMAT })
  const tokenKeys = parseUploadTokenKeys(config.UPLOAD_TOKEN_KEYS)
  // One socket per admitted chunk request plus a few for copies, deletes and health checks.
  const s3 = createS3Client(config, { maxSockets: config.UPLOADS_MAX_CONCURRENT_CHUNKS + 8 })
  const store = new S3ChunkStore(s3, config.S3_BUCKET)
  const limiter = new CapacityLimiter({ maxConcurrent: config.UPLOADS_MAX_CONCURRENT_CHUNKS })
  observeGauge(
    'lfusys.uploads.inflight.bytes',
    { unit: 'By', description: 'Declared bytes of chunk requests admitted and not yet answered.' },
    (result) => result.observe(limiter.usage.bytes),
  )
  const chunks = new ChunkService({
    store,
    limiter,
    tokenKeys,
    chunkPrefix: config.S3_CHUNK_PREFIX,
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
