import { join } from 'node:path'
import { freePort, type ManagedProcess, spawnManaged, startRedis, waitUntilReady } from '@lfusys/devstack'
import { repoRoot, type TestStack } from '@lfusys/testing'
import { TEST_TOKEN_KEYS } from './harness.ts'

export const UPLOAD_TOKEN_KEYS = 'up1:upload-token-secret-for-gateway-e2e-tests'

export interface RunningSystem {
  gatewayUrl: string
  uploadsUrl: string
  redisUrl: string
  redis: ManagedProcess
  gateway: ManagedProcess
  sessions: ManagedProcess
  uploads: ManagedProcess
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
 * The real system as processes: its own redis-server (so a test may stop it), sessions, uploads and
 * the gateway, each started like its package's start script with the provisioned stack's variables.
 */
export async function startSystem(
  stack: TestStack,
  gatewayEnv: Record<string, string> = {},
): Promise<RunningSystem> {
  const [redisPort, grpcPort, uploadsPort, gatewayPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const redis = await startRedis({ port: redisPort, dataDir: undefined })
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const uploadsUrl = `http://127.0.0.1:${uploadsPort}`
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  const base = { PATH: process.env.PATH ?? '', ...stack.env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' }
  const started: ManagedProcess[] = [redis]
  const stopAll = async () => {
    for (const p of started.reverse()) await p.stop()
  }
  try {
    const sessions = spawnManaged(
      'sessions',
      process.execPath,
      [join(repoRoot, 'services/sessions/src/server.ts')],
      {
        env: {
          ...base,
          SESSIONS_GRPC_PORT: String(grpcPort),
          UPLOADS_PUBLIC_URL: uploadsUrl,
          UPLOAD_TOKEN_KEYS,
          CONSUMER_WAIT_SECONDS: '1',
          WATCH_POLL_INTERVAL_MS: '200',
        },
      },
    )
    started.push(sessions)
    const uploads = spawnManaged(
      'uploads',
      process.execPath,
      [join(repoRoot, 'services/uploads/src/server.ts')],
      {
        env: { ...base, UPLOADS_PORT: String(uploadsPort), UPLOAD_TOKEN_KEYS, WEB_ORIGIN: 'http://web.test' },
      },
    )
    started.push(uploads)
    const gateway = spawnManaged(
      'gateway',
      process.execPath,
      [join(repoRoot, 'services/gateway/src/server.ts')],
      {
        env: {
          ...base,
          GATEWAY_PORT: String(gatewayPort),
          SESSIONS_GRPC_URL: `127.0.0.1:${grpcPort}`,
          AUTH_TOKEN_KEYS: TEST_TOKEN_KEYS,
          WEB_ORIGIN: 'http://web.test',
          ...gatewayEnv,
        },
      },
    )
    started.push(gateway)
    await waitUntilReady('uploads', () => httpOk(`${uploadsUrl}/health/ready`), {
      timeoutMs: 30_000,
      process: uploads,
    })
    await waitUntilReady('gateway and sessions', () => httpOk(`${gatewayUrl}/health/ready`), {
      timeoutMs: 30_000,
      process: gateway,
    })
    return { gatewayUrl, uploadsUrl, redisUrl, redis, gateway, sessions, uploads, stop: stopAll }
  } catch (err) {
    const output = started.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')
    await stopAll()
    throw new Error(`system did not start: ${err instanceof Error ? err.message : String(err)}\n${output}`)
  }
}
