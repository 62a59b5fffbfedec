import { z } from 'zod'
import { envBoolean, envInt, envPort, envUrl } from './fields.ts'

/** Settings every service has. */
export const runtimeEnv = {
  LFUSYS_ENV: z
    .enum(['development', 'test', 'production'])
    .default('production')
    .describe(
      'Deployment kind: development, test or production. Unset means production: API docs hidden, ' +
        'Secure __Host- cookies, and the process refuses published or weak secrets. `make dev` and ' +
        'the tests set it explicitly.',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe('json: one JSON object per line (production); pretty: human-readable lines (make dev).'),
}

/**
 * OpenTelemetry. Read by the `--import @lfusys/telemetry/register` entry of every start script, and
 * by each service's config so that a typo fails the start like any other setting.
 */
export const telemetryEnv = {
  OTEL_ENABLED: envBoolean(false).describe('Export traces and metrics over OTLP/HTTP.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: envUrl
    .default('http://127.0.0.1:4318')
    .describe(
      'OTLP/HTTP collector base URL (Jaeger accepts OTLP on 4318); /v1/traces and /v1/metrics are appended.',
    ),
  OTEL_METRIC_EXPORT_INTERVAL_MS: envInt(30_000, 1000, 3_600_000).describe(
    'How often metrics are pushed over OTLP when OTEL_ENABLED is true.',
  ),
  METRICS_PORT: envPort(9464).describe('Port of the Prometheus text endpoint (GET /metrics); 0 serves none.'),
  METRICS_HOST: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Interface of the Prometheus endpoint; unset: the service's own (GATEWAY_HOST, UPLOADS_HOST or SESSIONS_GRPC_HOST).",
    ),
  TELEMETRY_PSEUDONYM_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      'Secret HMAC key for the lfusys.user.pseudonym span attribute (same value in every service); unset: spans carry no user attribute.',
    ),
}

/** AWS clients. Endpoint overrides point the SDK at LocalStack or the local emulators. */
export const awsEnv = {
  AWS_REGION: z.string().min(1).default('us-east-1').describe('AWS region of every client.'),
  AWS_ENDPOINT_URL_S3: envUrl.optional().describe('S3 endpoint override (emulators); unset on AWS.'),
  AWS_ENDPOINT_URL_SQS: envUrl.optional().describe('SQS endpoint override (emulators); unset on AWS.'),
  AWS_ENDPOINT_URL_DYNAMODB: envUrl
    .optional()
    .describe('DynamoDB endpoint override (emulators); unset on AWS.'),
  AWS_ACCESS_KEY_ID: z
    .string()
    .optional()
    .describe('Static credentials for emulators; on AWS leave unset and use the task role.'),
  AWS_SECRET_ACCESS_KEY: z.string().optional().describe('Secret for AWS_ACCESS_KEY_ID.'),
  AWS_MAX_ATTEMPTS: envInt(3, 1, 10).describe('SDK retry attempts (standard retry mode with jitter).'),
}

export const s3Env = {
  S3_BUCKET: z.string().min(3).describe('Bucket holding chunk objects and assembled files.'),
  S3_CHUNK_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+\/$/, 'must be a lowercase prefix ending in /')
    .default('chunks/')
    .describe('Key prefix of chunk objects; the bucket notification and lifecycle rule use it.'),
  S3_OBJECT_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+\/$/, 'must be a lowercase prefix ending in /')
    .default('objects/')
    .describe('Key prefix of assembled, content-addressed objects.'),
}

export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6399')
    .describe('Redis connection URL.'),
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/**
 * The upload policy. The sessions service applies it when it creates an upload; the gateway
 * announces it (`GET /api/v1/uploads/policy`) so clients plan and hash once. Both read the same
 * variables through this one declaration, so their defaults and ranges cannot drift apart.
 */
export const uploadPolicyEnv = {
  CHUNK_SIZE_BYTES: envInt(8 * MiB, 1, 5 * GiB).describe(
    'Base chunk size (grown in whole MiB beyond 10,000 chunks). Below 5 MiB, chunks are grouped into parts. Set the same value on sessions and gateway.',
  ),
  MAX_FILE_SIZE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(5 * 1024 * GiB)
    .default(5 * 1024 * GiB)
    .describe(
      'Largest file a session may declare (S3 objects end at 5 TiB). Set the same value on sessions and gateway.',
    ),
  USER_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * GiB)
    .describe(
      'Per-user storage quota: stored files plus unfinished uploads; 0 disables the check. Set the same value on sessions and gateway.',
    ),
}
