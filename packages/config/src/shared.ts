import { z } from 'zod'
import { envBoolean, envInt, envUrl } from './fields.ts'

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
}

/** OpenTelemetry export. */
export const telemetryEnv = {
  OTEL_ENABLED: envBoolean(false).describe('Export traces over OTLP/HTTP.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: envUrl
    .default('http://127.0.0.1:4318')
    .describe('OTLP/HTTP collector base URL (Jaeger accepts OTLP on 4318).'),
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
