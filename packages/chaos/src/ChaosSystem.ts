import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import {
  freePort,
  type ManagedProcess,
  type ProvisionedStack,
  type RunningStack,
  spawnManaged,
  startRedis,
  startStack,
  waitUntilReady,
} from '@lfusys/devstack'
import { cacheDir, repoRoot } from '@lfusys/testing'

/** `standby`: a second sessions instance (as in production), consuming the same queue. */
export type ServiceName = 'sessions' | 'standby' | 'uploads' | 'gateway'

const UPLOAD_TOKEN_KEYS = `chaos1:${randomBytes(24).toString('hex')}`
const AUTH_TOKEN_KEYS = `chaos1:${randomBytes(24).toString('hex')}`
// The gateway signs the caller of each sessions call with this ring; sessions verifies it.
const SERVICE_TOKEN_KEYS = `svc1:${randomBytes(32).toString('base64url')}`

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200
  } catch {
    return false
  }
}

/**
 * The whole backend on its own emulators (so faults stay inside this suite): fauxqs, DynamoDB
 * Local and redis-server started here, and sessions, uploads and gateway as processes started like
 * their start scripts, each restartable on its port after it was killed.
 */
export class ChaosSystem {
  readonly extra: ManagedProcess[] = []
  readonly stack: RunningStack
  readonly provisioned: ProvisionedStack
  readonly env: Record<string, string>
  readonly ports: Record<ServiceName, number>
  readonly processes = new Map<ServiceName, ManagedProcess>()
  /** Every line each service printed (sessions logs at info: the suite watches finalization). */
  readonly #listeners = new Set<(service: ServiceName, line: string) => void>()
  redisPort: number

  private constructor(
    stack: RunningStack,
    provisioned: ProvisionedStack,
    env: Record<string, string>,
    ports: Record<ServiceName, number>,
  ) {
    this.stack = stack
    this.provisioned = provisioned
    this.env = env
    this.ports = ports
    this.redisPort = Number(new URL(stack.endpoints.redisUrl).port)
  }

  static async start(overrides: Record<string, string>): Promise<ChaosSystem> {
    const stack = await startStack({
      ports: { aws: 0, dynamodb: 0, redis: 0 },
      stateDir: undefined,
      cacheDir,
    })
    const provisioned = await stack.provision(`chaos-${randomBytes(3).toString('hex')}`)
    const ports = {
      sessions: await freePort(),
      standby: await freePort(),
      uploads: await freePort(),
      gateway: await freePort(),
    }
    const system = new ChaosSystem(
      stack,
      provisioned,
      { PATH: process.env.PATH ?? '', ...provisioned.env, WEB_ORIGIN: 'http://web.test', ...overrides },
      ports,
    )
    try {
      for (const name of ['sessions', 'standby', 'uploads', 'gateway'] as const)
        await system.startService(name)
      await waitUntilReady('gateway', () => httpOk(`${system.gatewayUrl}/health/ready`), {
        timeoutMs: 60_000,
      })
    } catch (err) {
      await system.stop()
      throw err
    }
    return system
  }

  get gatewayUrl() {
    return `http://127.0.0.1:${this.ports.gateway}`
  }
  get uploadsUrl() {
    return `http://127.0.0.1:${this.ports.uploads}`
  }

  onLine(listener: (service: ServiceName, line: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #serviceEnv(name: ServiceName): Record<string, string> {
    // Test settings (keys made here, no OAuth): an unset LFUSYS_ENV would mean production.
    const sessionsLike = name === 'sessions' || name === 'standby'
    const common = { LFUSYS_ENV: 'test', ...this.env, LOG_LEVEL: sessionsLike ? 'info' : 'warn' }
    switch (name) {
      case 'sessions':
      case 'standby':
        return {
          ...common,
          SESSIONS_GRPC_PORT: String(this.ports[name]),
          UPLOADS_PUBLIC_URL: this.uploadsUrl,
          UPLOAD_TOKEN_KEYS,
          SERVICE_TOKEN_KEYS,
          CONSUMER_WAIT_SECONDS: '1',
          WATCH_POLL_INTERVAL_MS: '200',
        }
      case 'uploads':
        return { ...common, UPLOADS_PORT: String(this.ports.uploads), UPLOAD_TOKEN_KEYS }
      case 'gateway':
        return {
          ...common,
          GATEWAY_PORT: String(this.ports.gateway),
          GATEWAY_PUBLIC_URL: this.gatewayUrl,
          SESSIONS_GRPC_URL: `127.0.0.1:${this.ports.sessions}`,
          AUTH_TOKEN_KEYS,
          SERVICE_TOKEN_KEYS,
          // The suite's clients are many uploads from one user.
          RATE_LIMIT_UPLOAD_CREATE_MAX: '10000',
        }
      default:
        throw new Error(`unknown service ${String(name)}`)
    }
  }

  async startService(name: ServiceName): Promise<ManagedProcess> {
    const proc = spawnManaged(
      name,
      process.execPath,
      [join(repoRoot, 'services', name === 'standby' ? 'sessions' : name, 'src', 'server.ts')],
      {
        env: this.#serviceEnv(name),
        onLine: (line) => {
          for (const listener of this.#listeners) listener(name, line)
        },
      },
    )
    this.processes.set(name, proc)
    const ready =
      name === 'sessions' || name === 'standby'
        ? () =>
            new Promise<boolean>((resolve) => resolve(proc.output().includes('"msg":"sessions listening"')))
        : () => httpOk(`http://127.0.0.1:${this.ports[name]}/health/live`)
    await waitUntilReady(name, ready, { timeoutMs: 60_000, process: proc })
    return proc
  }

  /** SIGKILL, then the same service again on the same port; resolves once it answers. */
  async killAndRestart(name: ServiceName): Promise<void> {
    const proc = this.processes.get(name)
    if (proc) {
      proc.child.kill('SIGKILL')
      await proc.exited
    }
    await this.startService(name)
  }

  async stopRedis(): Promise<void> {
    await this.stack.redis?.stop()
  }

  async startRedis(): Promise<void> {
    const redis = await startRedis({ port: this.redisPort, dataDir: undefined })
    this.extra.push(redis)
  }

  async stop(): Promise<void> {
    for (const name of ['gateway', 'uploads', 'standby', 'sessions'] as const)
      await this.processes.get(name)?.stop()
    for (const p of this.extra) await p.stop()
    await this.stack.stop()
  }
}
