import {
  awsEnv,
  type Env,
  envBoolean,
  envInt,
  envPort,
  envUrl,
  loadConfig,
  redisEnv,
  runtimeEnv,
  s3Env,
  telemetryEnv,
  uploadPolicyEnv,
} from '@lfusys/config'
import { z } from 'zod'

export const sessionsConfigSchema = z.object({
  ...runtimeEnv,
  ...telemetryEnv,
  ...awsEnv,
  ...s3Env,
  ...redisEnv,
  SESSIONS_GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds to.'),
  SESSIONS_GRPC_PORT: envPort(3102).describe('gRPC port (0 picks a free one).'),
  DYNAMODB_UPLOADS_TABLE: z.string().min(3).describe('Table of upload sessions and their chunks.'),
  DYNAMODB_FILES_TABLE: z
    .string()
    .min(3)
    .describe('Table of files, stored objects (reference counts) and per-user usage.'),
  SQS_CHUNK_EVENTS_QUEUE_URL: envUrl.describe(
    'Queue receiving the S3 ObjectCreated events of chunk objects.',
  ),
  UPLOADS_PUBLIC_URL: envUrl
    .default('http://127.0.0.1:3101')
    .describe('Public base URL of the uploads service; sessions answer <it>/api/v1/uploads/<id>/chunks.'),
  UPLOAD_TOKEN_KEYS: z
    .string()
    .min(1)
    .describe('Upload token keys kid:secret[,kid:secret]; the first signs (shared with uploads).'),
  SERVICE_TOKEN_KEYS: z
    .string()
    .min(1)
    .describe(
      'Keys of the short-lived caller tokens the gateway signs for every sessions call, kid:secret[,kid:secret] (secret >= 32 chars); the first signs. Shared by gateway and sessions only.',
    ),
  UPLOAD_TOKEN_TTL_SECONDS: envInt(3600, 60, 86_400).describe('Lifetime of an upload token.'),
  UPLOAD_MAX_CHUNKS_IN_FLIGHT: envInt(8, 1, 10_000).describe(
    'Chunk requests one user may have in progress at once on an uploads process; signed into each upload token (claim cif). Beyond it the uploads service answers 429.',
  ),
  ...uploadPolicyEnv,
  SESSION_TTL_SECONDS: envInt(86_400, 1, 30 * 86_400).describe(
    'An unfinished upload expires this long after its last chunk (or its creation).',
  ),
  CONSUMER_ENABLED: envBoolean(true).describe('Run the chunk event consumer in this process.'),
  CONSUMER_WORKERS: envInt(4, 1, 64).describe('Concurrent SQS receive loops in this process.'),
  CONSUMER_BATCH_SIZE: envInt(10, 1, 10).describe('Messages per ReceiveMessage call.'),
  CONSUMER_WAIT_SECONDS: envInt(20, 0, 20).describe('SQS long-poll wait.'),
  CONSUMER_VISIBILITY_TIMEOUT_SECONDS: envInt(60, 5, 43_200).describe(
    'Visibility timeout of received messages; extended while a finalization runs.',
  ),
  FINALIZE_LEASE_SECONDS: envInt(60, 2, 3600).describe(
    'Finalization lease; renewed while running, taken over by the next delivery once expired.',
  ),
  FINALIZE_COPY_CONCURRENCY: envInt(8, 1, 64).describe(
    'Parallel UploadPartCopy/UploadPart calls per upload.',
  ),
  FINALIZE_EAGER_COPY: envBoolean(true).describe(
    'Copy each chunk into the multipart upload as its event arrives (when the content hash was declared).',
  ),
  FINALIZE_READ_BACK: envBoolean(false).describe(
    'When the store reports no composite checksum, read the object back and re-hash it instead of failing the upload. S3 (and the patched local emulator) always report one.',
  ),
  SWEEPER_ENABLED: envBoolean(true).describe('Run the expiry sweeper in this process.'),
  SWEEPER_INTERVAL_SECONDS: envInt(30, 1, 3600).describe('Pause between expiry sweeps.'),
  RECONCILE_AFTER_SECONDS: envInt(300, 0, 86_400).describe(
    'The sweeper lists the chunk objects of an upload idle this long and records any whose event was lost; 0 disables.',
  ),
  DOWNLOAD_URL_TTL_SECONDS: envInt(300, 10, 604_800).describe('Lifetime of a presigned download URL.'),
  WATCH_POLL_INTERVAL_MS: envInt(1000, 50, 60_000).describe(
    'WatchUpload re-reads DynamoDB this often when Redis notifications are unavailable.',
  ),
  SHUTDOWN_TIMEOUT_SECONDS: envInt(30, 1, 600).describe('Longest wait for in-flight work on SIGTERM.'),
})

export type SessionsConfig = z.infer<typeof sessionsConfigSchema>

export function loadSessionsConfig(env: Env): SessionsConfig {
  return loadConfig(sessionsConfigSchema, env, {
    secrets: {
      UPLOAD_TOKEN_KEYS: 'keyRing',
      SERVICE_TOKEN_KEYS: 'keyRing',
      AWS_SECRET_ACCESS_KEY: 'credential',
    },
  })
}
