import { HeadBucketCommand } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { AwsClients } from '@lfusys/aws'
import type { Logger } from '@lfusys/logger'
import { dependencyHealthName, SESSIONS_DEPENDENCIES, type SessionsDependency } from '@lfusys/proto'
import type { HealthImplementation } from 'grpc-health-check'

export type DependencyProbe = (signal: AbortSignal) => Promise<unknown>

export interface DependencyState {
  status: 'up' | 'down' | 'unknown'
  latencyMs?: number
  /** The error name of the last failed probe (never an address or a stack). */
  error?: string
}

/** One cheap, read-only call per dependency, with the permissions the service already needs. */
export function awsProbes(
  aws: AwsClients,
  names: { table: string; bucket: string; queueUrl: string },
): Record<SessionsDependency, DependencyProbe> {
  return {
    dynamodb: (abortSignal) =>
      aws.documents.send(new GetCommand({ TableName: names.table, Key: { pk: 'HEALTH', sk: 'HEALTH' } }), {
        abortSignal,
      }),
    s3: (abortSignal) => aws.s3.send(new HeadBucketCommand({ Bucket: names.bucket }), { abortSignal }),
    sqs: (abortSignal) =>
      aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: names.queueUrl, AttributeNames: ['QueueArn'] }),
        { abortSignal },
      ),
  }
}

/**
 * Probes DynamoDB, S3 and SQS every `intervalMs` (each bounded by `timeoutMs`) and reports each
 * through the gRPC health service as `lfusys.sessions.v1.Sessions/<dependency>`, so a caller (the
 * gateway's readiness) learns which dependency is down, not only that the process answers. The
 * process-level status (`""`) is left alone: a dependency outage is not a reason to restart.
 */
export class DependencyHealth {
  readonly #health: HealthImplementation
  readonly #probes: Record<SessionsDependency, DependencyProbe>
  readonly #log: Logger
  readonly #intervalMs: number
  readonly #timeoutMs: number
  readonly #state = new Map<SessionsDependency, DependencyState>()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(
    health: HealthImplementation,
    probes: Record<SessionsDependency, DependencyProbe>,
    log: Logger,
    options: { intervalMs: number; timeoutMs: number },
  ) {
    this.#health = health
    this.#probes = probes
    this.#log = log.child({ component: 'dependency-health' })
    this.#intervalMs = options.intervalMs
    this.#timeoutMs = options.timeoutMs
    for (const name of SESSIONS_DEPENDENCIES) {
      this.#state.set(name, { status: 'unknown' })
      health.setStatus(dependencyHealthName(name), 'UNKNOWN')
    }
  }

  get state(): Record<SessionsDependency, DependencyState> {
    return Object.fromEntries(this.#state) as Record<SessionsDependency, DependencyState>
  }

  /** Probes every dependency once, in parallel, and publishes the results. */
  async probe(): Promise<void> {
    await Promise.all(
      SESSIONS_DEPENDENCIES.map(async (name) => {
        const started = performance.now()
        const previous = this.#state.get(name)?.status
        try {
          await this.#probes[name](AbortSignal.timeout(this.#timeoutMs))
          this.#state.set(name, { status: 'up', latencyMs: Math.round(performance.now() - started) })
          this.#health.setStatus(dependencyHealthName(name), 'SERVING')
          if (previous === 'down') this.#log.info({ dependency: name }, 'dependency is back')
        } catch (err) {
          const error = err instanceof Error ? err.name : 'Error'
          this.#state.set(name, { status: 'down', latencyMs: Math.round(performance.now() - started), error })
          this.#health.setStatus(dependencyHealthName(name), 'NOT_SERVING')
          if (previous !== 'down') this.#log.warn({ dependency: name, error }, 'dependency is down')
        }
      }),
    )
  }

  start(): void {
    if (this.#timer !== undefined) return
    const tick = () => {
      this.#running = this.probe().finally(() => {
        this.#running = undefined
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.#intervalMs)
      })
    }
    this.#timer = setTimeout(tick, 0)
  }

  async stop(): Promise<void> {
    const timer = this.#timer
    this.#timer = undefined
    if (timer) clearTimeout(timer)
    await this.#running
  }
}
