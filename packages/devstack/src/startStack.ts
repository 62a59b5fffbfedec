import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  type AwsClients,
  createAwsClients,
  createS3Client,
  type ProvisionResult,
  provisionStack,
  resourceEnv,
  type StackResources,
  stackResources,
} from '@lfusys/aws'
import { type FauxqsServer, startFauxqs } from 'fauxqs'
import { startDynamoDbLocal } from './dynamodbLocal.ts'
import { startMailCatcher } from './mailCatcher.ts'
import { freePort, type ManagedProcess } from './processes.ts'
import { redisPing, startRedis } from './redis.ts'
import { S3EventForwarder } from './s3EventForwarder.ts'

export interface StackPorts {
  /** fauxqs (S3 + SQS on one port); 0 picks a free one. */
  aws: number
  dynamodb: number
  redis: number
}

export const defaultPorts: StackPorts = { aws: 4577, dynamodb: 8577, redis: 6399 }

export interface StackOptions {
  ports: StackPorts
  /** Folder for persistent state; undefined keeps everything in memory (tests). */
  stateDir: string | undefined
  /** Folder for downloaded emulator files (kept across --fresh). */
  cacheDir: string
  /** Use this Redis instead of starting one. */
  redisUrl?: string | undefined
  region?: string
  log?: (msg: string) => void
  onChildLine?: (name: string, line: string) => void
}

export interface StackEndpoints {
  aws: string
  dynamodb: string
  redisUrl: string
  /** SMTP URL of the mail catcher (SMTP_URL of the gateway). */
  smtpUrl: string
  /** Web inbox of the mail catcher; its HTTP API is under /api. */
  mailWeb: string
}

export interface ProvisionedStack {
  resources: StackResources
  result: ProvisionResult
  /** Variables a service needs to find these resources (AWS_* endpoints, names, REDIS_URL). */
  env: Record<string, string>
}

export interface RunningStack {
  endpoints: StackEndpoints
  /** AWS_* and REDIS_URL variables pointing at the emulators. */
  env: Record<string, string>
  forwarder: S3EventForwarder
  /** The in-process fauxqs server (tests use its inspection helpers). */
  fauxqs: FauxqsServer
  clients: AwsClients
  /** Creates (idempotently) every resource of `stack` and returns the env for services. */
  provision(stack: string): Promise<ProvisionedStack>
  /** The Redis child, when this stack started one. */
  redis: ManagedProcess | undefined
  dynamodb: ManagedProcess
  stop(): Promise<void>
}

/** DynamoDB Local accepts only letters and digits in access key ids. */
export const EMULATOR_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'lfusyslocal', AWS_SECRET_ACCESS_KEY: 'lfusyslocal' }

/** `<stack>-data` buckets belong to the stack of that name (the one resource declaration). */
function stackOfBucket(bucket: string): string | undefined {
  const match = /^(.+)-data$/.exec(bucket)
  return match?.[1]
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {})
  const region = options.region ?? 'us-east-1'
  const started: { stop(): Promise<void> }[] = []
  const stopAll = async () => {
    for (const item of started.reverse()) await item.stop().catch(() => {})
    started.length = 0
  }
  try {
    const statePath = (name: string) => {
      if (!options.stateDir) return undefined
      const dir = join(options.stateDir, name)
      mkdirSync(dir, { recursive: true })
      return dir
    }

    const dynamoPort = options.ports.dynamodb === 0 ? await freePort() : options.ports.dynamodb
    const dynamoStart = startDynamoDbLocal({
      port: dynamoPort,
      cacheDir: options.cacheDir,
      dataDir: statePath('dynamodb'),
      log,
      ...(options.onChildLine ? { onLine: (l: string) => options.onChildLine?.('dynamodb', l) } : {}),
    })

    const s3Dir = statePath('s3')
    const sqsDir = statePath('sqs')
    const fauxqs = await startFauxqs({
      port: options.ports.aws,
      logger: false,
      defaultRegion: region,
      messageSpies: { bufferSize: 64 },
      ...(s3Dir ? { s3StorageDir: s3Dir } : {}),
      ...(sqsDir ? { dataDir: sqsDir } : {}),
    })
    started.push({ stop: () => fauxqs.stop() })
    const awsEndpoint = `http://127.0.0.1:${fauxqs.port}`
    // The forwarder is attached before anything can write: nothing is awaited between fauxqs'
    // listen and the attach (fauxqs answers requests only once this code yields to the event
    // loop), so no object is stored without its event being queued, even when a client left over
    // from a previous run is already retrying against this port.
    const forwarderS3 = createS3Client({
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: awsEndpoint,
      ...EMULATOR_CREDENTIALS,
      AWS_MAX_ATTEMPTS: 3,
    })
    const forwarder = new S3EventForwarder({
      s3: forwarderS3,
      send: (queueName, body) => {
        fauxqs.sendMessage(queueName, body, { region })
      },
      region,
      resolve: async (bucket) => {
        const stack = stackOfBucket(bucket)
        if (!stack) return undefined
        let resources: StackResources
        try {
          resources = stackResources(stack)
        } catch {
          return undefined
        }
        const exists = fauxqs.inspectQueue(resources.chunkEventsQueue) !== undefined
        return exists
          ? { bucket, prefix: resources.chunkPrefix, queueName: resources.chunkEventsQueue }
          : undefined
      },
      onError: (err, event) =>
        log(`event forwarding failed for ${event.bucket}/${event.key}: ${String(err)}`),
    })
    forwarder.attach(fauxqs.spy as unknown as { addMessage(message: unknown): void })
    started.push({
      stop: async () => {
        await forwarder.drain()
        forwarderS3.destroy()
      },
    })

    let redis: ManagedProcess | undefined
    let redisUrl = options.redisUrl
    if (redisUrl) {
      const url = new URL(redisUrl)
      const ok = await redisPing(url.hostname, Number(url.port || 6379))
      if (!ok) throw new Error(`no Redis answers at ${redisUrl}`)
    } else {
      const redisPort = options.ports.redis === 0 ? await freePort() : options.ports.redis
      redis = await startRedis({
        port: redisPort,
        dataDir: statePath('redis'),
        ...(options.onChildLine ? { onLine: (l: string) => options.onChildLine?.('redis', l) } : {}),
      })
      started.push(redis)
      redisUrl = `redis://127.0.0.1:${redisPort}`
    }

    const mail = await startMailCatcher({ smtpPort: 0, webPort: 0 })
    started.push(mail)

    const dynamodb = await dynamoStart
    started.push(dynamodb)
    const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`

    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: awsEndpoint,
      AWS_ENDPOINT_URL_SQS: awsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      ...EMULATOR_CREDENTIALS,
      REDIS_URL: redisUrl,
      SMTP_URL: mail.smtpUrl,
    }
    const clients = createAwsClients({ ...env, AWS_REGION: region, AWS_MAX_ATTEMPTS: 3 })
    started.push({ stop: async () => clients.close() })

    const stack: RunningStack = {
      endpoints: {
        aws: awsEndpoint,
        dynamodb: dynamoEndpoint,
        redisUrl,
        smtpUrl: mail.smtpUrl,
        mailWeb: mail.webUrl,
      },
      env,
      forwarder,
      fauxqs,
      clients,
      redis,
      dynamodb,
      async provision(name: string) {
        const resources = stackResources(name)
        const result = await provisionStack(clients, resources)
        return { resources, result, env: { ...env, ...resourceEnv(resources, result.queueUrl) } }
      },
      stop: stopAll,
    }
    return stack
  } catch (err) {
    await stopAll()
    throw err
  }
}
