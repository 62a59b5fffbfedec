import { hostname } from 'node:os'
import { type AwsClients, createAwsClients } from '@lfusys/aws'
import { type CallerTokenKey, parseCallerTokenKeys } from '@lfusys/caller-token'
import { createLogger, type Logger } from '@lfusys/logger'
import { parseUploadTokenKeys, type UploadTokenKey } from '@lfusys/upload-token'
import { Redis } from 'ioredis'
import type { SessionsConfig } from './config.ts'
import { RedisStatusNotifier, type StatusNotifier } from './status/StatusNotifier.ts'

export interface SessionsDeps {
  log: Logger
  aws: AwsClients
  notifier: StatusNotifier
  /** Keys the upload tokens this service issues are signed with. */
  tokenKeys: UploadTokenKey[]
  /** Keys of the gateway's caller tokens: the only source of a call's identity and role. */
  callerKeys: CallerTokenKey[]
  /** Names this process in finalization leases. */
  workerId: string
  close(): Promise<void>
}

function redisClient(url: string, log: Logger, role: string): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    // Redis is optional: fail commands at once instead of queueing them while it is away.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  })
  let warned = false
  client.on('error', (err: Error) => {
    if (!warned) log.warn({ err: err.message, role }, 'redis unavailable; live status falls back to polling')
    warned = true
  })
  client.on('ready', () => {
    if (warned) log.info({ role }, 'redis reconnected')
    warned = false
  })
  return client
}

export function createDeps(config: SessionsConfig, log?: Logger): SessionsDeps {
  const logger =
    log ?? createLogger({ service: 'sessions', level: config.LOG_LEVEL, format: config.LOG_FORMAT })
  const aws = createAwsClients(config, { maxSockets: Math.max(64, config.FINALIZE_COPY_CONCURRENCY * 8) })
  const publisher = redisClient(config.REDIS_URL, logger, 'publisher')
  const subscriber = redisClient(config.REDIS_URL, logger, 'subscriber')
  const notifier = new RedisStatusNotifier(publisher, subscriber, logger)
  return {
    log: logger,
    aws,
    notifier,
    tokenKeys: parseUploadTokenKeys(config.UPLOAD_TOKEN_KEYS),
    callerKeys: parseCallerTokenKeys(config.SERVICE_TOKEN_KEYS),
    workerId: `${hostname()}:${process.pid}`,
    async close() {
      await notifier.close()
      aws.close()
    },
  }
}
