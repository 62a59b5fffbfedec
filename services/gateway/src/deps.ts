import type { S3Client } from '@aws-sdk/client-s3'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { createDynamoClient, createS3Client } from '@lfusys/aws'
import { parseCallerTokenKeys } from '@lfusys/caller-token'
import type { Logger } from '@lfusys/logger'
import { Redis } from 'ioredis'
import { AccountTokenRepository } from './accounts/AccountTokenRepository.ts'
import { UserRepository } from './accounts/UserRepository.ts'
import { DEV_MAIL_FROM, type GatewayConfig } from './config.ts'
import { SessionsGrpcClient } from './grpc/SessionsGrpcClient.ts'
import type { Mailer } from './mail/Mailer.ts'
import { SesMailer } from './mail/SesMailer.ts'
import { SmtpMailer } from './mail/SmtpMailer.ts'
import type { TusStateApi } from './tus/types.ts'
import type { SessionsApi } from './uploads/types.ts'

export interface GatewayDeps {
  logger: Logger
  users: UserRepository
  accountTokens: AccountTokenRepository
  mailer: Mailer
  redis: Redis
  sessions: SessionsApi
  /** The tus state RPCs of the sessions service (the same gRPC client as `sessions`). */
  tusState: TusStateApi
  /** Chunk and tus staging objects written by the tus endpoint. */
  s3: S3Client
  close(): Promise<void>
}

/**
 * Redis is optional at run time (caches, rate limit counters, OAuth state): commands fail fast while
 * it is down instead of queueing, so callers can bypass it, and the client keeps reconnecting.
 */
export function createRedis(url: string, keyPrefix: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  })
  let lastReport = 0
  redis.on('error', (err: Error) => {
    // One line per 10 s at most: a Redis outage would otherwise flood the log with reconnect errors.
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now()
      logger.warn({ err: err.message }, 'redis unavailable')
    }
  })
  return redis
}

/**
 * Waits (bounded) for the first Redis connection, so a freshly started gateway does not answer its
 * first OAuth requests with 503 only because the socket was still connecting. Never fails: the gateway
 * runs without Redis.
 */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      resolve(ok)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    redis.once('ready', onReady)
  })
}

export function createMailer(config: GatewayConfig): Mailer {
  const from = config.MAIL_FROM ?? DEV_MAIL_FROM
  if (config.MAIL_TRANSPORT === 'ses') {
    return new SesMailer({
      region: config.AWS_REGION,
      from,
      timeoutMs: config.MAIL_SEND_TIMEOUT_MS,
      maxAttempts: config.AWS_MAX_ATTEMPTS,
    })
  }
  if (!config.SMTP_URL) throw new Error('SMTP_URL is required when MAIL_TRANSPORT=smtp')
  return new SmtpMailer({
    url: config.SMTP_URL,
    from,
    timeoutMs: config.MAIL_SEND_TIMEOUT_MS,
  })
}

export function createDeps(config: GatewayConfig, logger: Logger): GatewayDeps {
  // Account reads and writes are small: 1.5 s without a byte means a stalled table, and with the
  // SDK's attempts a request answers 503 within about 5 s instead of hanging (docs/operations.md).
  const dynamodb = createDynamoClient(config, { requestTimeoutMs: 1500 })
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  })
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger)
  const sessions = new SessionsGrpcClient(
    config.SESSIONS_GRPC_URL,
    config.SESSIONS_GRPC_DEADLINE_MS,
    parseCallerTokenKeys(config.SERVICE_TOKEN_KEYS),
  )
  const mailer = createMailer(config)
  // A tus PATCH streams chunks of up to the chunk size: 30 s without a byte from S3 is a stall.
  const s3 = createS3Client(config, { requestTimeoutMs: 30_000 })
  return {
    logger,
    users: new UserRepository(documents, config.DYNAMODB_USERS_TABLE),
    accountTokens: new AccountTokenRepository(documents, config.DYNAMODB_USERS_TABLE),
    mailer,
    redis,
    sessions,
    tusState: sessions,
    s3,
    async close() {
      sessions.close()
      s3.destroy()
      mailer.close()
      redis.disconnect()
      documents.destroy()
      dynamodb.destroy()
    },
  }
}
