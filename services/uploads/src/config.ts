import { awsEnv, envInt, envPort, envUrl, loadConfig, runtimeEnv, s3Env, telemetryEnv } from '@lfusys/config'
import { z } from 'zod'

export const uploadsConfigSchema = z.object({
  ...runtimeEnv,
  ...telemetryEnv,
  ...awsEnv,
  ...s3Env,
  UPLOADS_HOST: z.string().min(1).default('127.0.0.1').describe('Address the uploads service listens on.'),
  UPLOADS_PORT: envPort(3101).describe('Port the uploads service listens on.'),
  UPLOAD_TOKEN_KEYS: z
    .string()
    .min(1)
    .describe('Upload token keys kid:secret[,kid:secret]; the uploads service verifies with every one.'),
  WEB_ORIGIN: envUrl.describe('The web app origin allowed by CORS to PUT chunks.'),
  UPLOADS_MAX_CONCURRENT_CHUNKS: envInt(16, 1, 10_000).describe(
    'Chunk requests handled at once per process; beyond it requests get 503 with Retry-After. Bodies stream through, so each holds only stream buffers.',
  ),
  UPLOADS_RETRY_AFTER_SECONDS: envInt(1, 1, 3600).describe('Retry-After sent with 503 answers.'),
  UPLOADS_REQUEST_TIMEOUT_MS: envInt(120_000, 1000, 3_600_000).describe(
    'A chunk request must be fully received within this time, so slow clients cannot hold capacity.',
  ),
})

export type UploadsConfig = z.infer<typeof uploadsConfigSchema>

export function loadUploadsConfig(env: Record<string, string | undefined>): UploadsConfig {
  return loadConfig(uploadsConfigSchema, env, {
    secrets: { UPLOAD_TOKEN_KEYS: 'keyRing', AWS_SECRET_ACCESS_KEY: 'credential' },
  })
}
