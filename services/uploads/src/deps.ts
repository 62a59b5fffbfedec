import { createS3Client } from '@lfusys/aws'
import { createLogger, type Logger } from '@lfusys/logger'
import { observeGauge } from '@lfusys/telemetry'
import { parseUploadTokenKeys, type UploadTokenKey } from '@lfusys/upload-token'
import { CapacityLimiter } from './chunks/CapacityLimiter.ts'
import { ChunkService } from './chunks/ChunkService.ts'
import type { ChunkStore } from './chunks/ChunkStore.ts'
import { EndedUploads } from './chunks/EndedUploads.ts'
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
  // One socket per admitted chunk request plus a few for marker lookups and health checks.
  const slots = config.UPLOADS_MAX_CONCURRENT_CHUNKS + config.UPLOADS_SMALL_CHUNK_SLOTS
  const s3 = createS3Client(config, { maxSockets: slots + 8 })
  const store = new S3ChunkStore(s3, config.S3_BUCKET)
  const limiter = new CapacityLimiter({
    maxConcurrent: config.UPLOADS_MAX_CONCURRENT_CHUNKS,
    smallChunkBytes: config.UPLOADS_SMALL_CHUNK_BYTES,
    smallSlots: config.UPLOADS_SMALL_CHUNK_SLOTS,
  })
  observeGauge(
    'lfusys.uploads.inflight.bytes',
    { unit: 'By', description: 'Declared bytes of chunk requests admitted and not yet answered.' },
    (result) => result.observe(limiter.usage.bytes),
  )
  const chunks = new ChunkService({
    store,
    limiter,
    ended: new EndedUploads(store),
    defaultUserLimit: config.UPLOADS_MAX_CHUNKS_PER_USER,
    minRate: {
      bytesPerSecond: config.UPLOADS_MIN_TRANSFER_BYTES_PER_SECOND,
      graceMs: config.UPLOADS_MIN_TRANSFER_GRACE_MS,
      windowMs: config.UPLOADS_MIN_TRANSFER_WINDOW_MS,
    },
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
