import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { freePort, type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import { repoRoot } from './paths.ts'
import type { TestStack } from './testStack.ts'

export interface SystemOptions {
  /** Variables for every service, over the stack's (e.g. REDIS_URL of a test's own Redis, WEB_ORIGIN). */
  env?: Record<string, string>
  /** Extra variables per service. */
  services?: {
    sessions?: Record<string, string>
    uploads?: Record<string, string>
    gateway?: Record<string, string>
  }
  /** Shared by sessions (signs) and uploads (verifies); tests may sign with them too. */
  uploadTokenKeys: string
  authTokenKeys: string
  /** Port of the uploads service, when a test put something in front of it before starting. */
  uploadsPort?: number
  /** Base URL clients PUT chunks to (UPLOADS_PUBLIC_URL); the uploads service itself by default. */
  publicUploadsUrl?: string
  readyTimeoutMs?: number
  /**
   * Start each service as its image does: `scripts/start-service.sh <service>`, i.e. its package.json
   * start script with the telemetry `--import` entry. Default: `node src/server.ts`.
   */
  startScripts?: boolean
  /** Every output line of every service (e.g. to check what the logs carry). */
  onLine?: (service: 'sessions' | 'uploads' | 'gateway', line: string) => void
}

export interface RunningSystem {
  gatewayUrl: string
  uploadsUrl: string
  sessions: ManagedProcess
  uploads: ManagedProcess
  gateway: ManagedProcess
  /** Every process's recent output, for failure messages. */
  output(): string
  /** Stops the services, gateway first. */
  stop(): Promise<void>
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200
  } catch {
    return false
  }
}

/**
 * The whole backend as real processes (sessions, uploads, gateway), each started like its
 * package's start script, on free ports, against the stack provisioned for one test file.
 */
export async function startSystem(stack: TestStack, options: SystemOptions): Promise<RunningSystem> {
  const grpcPort = await freePort()
  const uploadsPort = options.uploadsPort ?? (await freePort())
  const gatewayPort = await freePort()
  // A fresh caller-token ring per system: only this system's gateway can speak for users.
  const serviceKeys = `svc1:${randomBytes(32).toString('base64url')}`
  const uploadsUrl = `http://127.0.0.1:${uploadsPort}`
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  const base = { PATH: process.env.PATH ?? '', ...stack.env, LOG_LEVEL: 'warn', ...options.env }
  const started: ManagedProcess[] = []
  const output = () => started.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')
  const stop = async () => {
    for (const p of [...started].reverse()) await p.stop()
  }
  const spawnService = (name: 'sessions' | 'uploads' | 'gateway', env: Record<string, string>) => {
    const child = options.startScripts
      ? spawnManaged(name, 'sh', [join(repoRoot, 'scripts', 'start-service.sh'), name], {
          cwd: repoRoot,
          // The script runs `node` from PATH: the Node running the tests.
          env: {
            METRICS_PORT: '0',
            ...base,
            PATH: `${dirname(process.execPath)}:${base.PATH}`,
            ...env,
            ...options.services?.[name],
          },
          onLine: (line) => options.onLine?.(name, line),
        })
      : spawnManaged(name, process.execPath, [join(repoRoot, 'services', name, 'src', 'server.ts')], {
          env: { ...base, ...env, ...options.services?.[name] },
          onLine: (line) => options.onLine?.(name, line),
        })
    started.push(child)
    return child
  }
  try {
    const sessions = spawnService('sessions', {
      SESSIONS_GRPC_PORT: String(grpcPort),
      UPLOADS_PUBLIC_URL: options.publicUploadsUrl ?? uploadsUrl,
      UPLOAD_TOKEN_KEYS: options.uploadTokenKeys,
      SERVICE_TOKEN_KEYS: serviceKeys,
      CONSUMER_WAIT_SECONDS: '1',
      WATCH_POLL_INTERVAL_MS: '200',
    })
    const uploads = spawnService('uploads', {
      UPLOADS_PORT: String(uploadsPort),
      UPLOAD_TOKEN_KEYS: options.uploadTokenKeys,
    })
    const gateway = spawnService('gateway', {
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: gatewayUrl,
      SESSIONS_GRPC_URL: `127.0.0.1:${grpcPort}`,
      AUTH_TOKEN_KEYS: options.authTokenKeys,
      SERVICE_TOKEN_KEYS: serviceKeys,
    })
    const timeoutMs = options.readyTimeoutMs ?? 60_000
    await waitUntilReady('uploads', () => httpOk(`${uploadsUrl}/health/ready`), {
      timeoutMs,
      process: uploads,
    })
    await waitUntilReady('gateway and sessions', () => httpOk(`${gatewayUrl}/health/ready`), {
      timeoutMs,
      process: gateway,
    })
    return { gatewayUrl, uploadsUrl, sessions, uploads, gateway, output, stop }
  } catch (err) {
    const logs = output()
    await stop()
    throw new Error(`system did not start: ${err instanceof Error ? err.message : String(err)}\n${logs}`)
  }
}
