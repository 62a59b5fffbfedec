import { join } from 'node:path'
import { freePort, type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import { repoRoot, type TestStack } from '@lfusys/testing'
import { ChunkGate } from './ChunkGate.ts'

export interface RunningSystem {
  gatewayUrl: string
  /** `${gatewayUrl}/api/v1` */
  apiUrl: string
  uploadsUrl: string
  /** The proxy clients PUT chunks through (UPLOADS_PUBLIC_URL points at it). */
  gate: ChunkGate
  processes: ManagedProcess[]
  /** Every process's recent output, for failure messages. */
  output(): string
  stop(): Promise<void>
}

export interface SystemOptions {
  /** Origin of the web app (CORS on the uploads service, OAuth redirects on the gateway). */
  webOrigin?: string
  /** Extra variables per service. */
  env?: {
    sessions?: Record<string, string>
    uploads?: Record<string, string>
    gateway?: Record<string, string>
  }
}

/** The upload token keys the started sessions and uploads services share (tests may sign with them). */
export const UPLOAD_TOKEN_KEYS = 'e2e1:upload-token-secret-for-client-e2e-tests-0123456789'
const AUTH_TOKEN_KEYS = 'e2e1:auth-token-secret-for-client-e2e-tests-0123456789abc'

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200
  } catch {
    return false
  }
}

/**
 * The whole backend as real processes (sessions, uploads, gateway), each started the way its
 * package's start script does, on free ports, against the stack provisioned for one test file.
 */
export async function startSystem(stack: TestStack, options: SystemOptions = {}): Promise<RunningSystem> {
  const [grpcPort, uploadsPort, gatewayPort] = [await freePort(), await freePort(), await freePort()]
  const uploadsUrl = `http://127.0.0.1:${uploadsPort}`
  const gate = new ChunkGate(uploadsUrl)
  const publicUploadsUrl = await gate.start()
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
  const webOrigin = options.webOrigin ?? 'http://127.0.0.1:5173'
  const base = { PATH: process.env.PATH ?? '', ...stack.env, LOG_LEVEL: 'warn', WEB_ORIGIN: webOrigin }
  const processes: ManagedProcess[] = []
  const output = () => processes.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')
  const stop = async () => {
    for (const p of [...processes].reverse()) await p.stop()
    await gate.stop()
  }
  try {
    processes.push(
      spawnManaged('sessions', process.execPath, [join(repoRoot, 'services/sessions/src/server.ts')], {
        env: {
          ...base,
          SESSIONS_GRPC_PORT: String(grpcPort),
          UPLOADS_PUBLIC_URL: publicUploadsUrl,
          UPLOAD_TOKEN_KEYS,
          CONSUMER_WAIT_SECONDS: '1',
          WATCH_POLL_INTERVAL_MS: '200',
          ...options.env?.sessions,
        },
      }),
    )
    const uploads = spawnManaged(
      'uploads',
      process.execPath,
      [join(repoRoot, 'services/uploads/src/server.ts')],
      {
        env: { ...base, UPLOADS_PORT: String(uploadsPort), UPLOAD_TOKEN_KEYS, ...options.env?.uploads },
      },
    )
    processes.push(uploads)
    const gateway = spawnManaged(
      'gateway',
      process.execPath,
      [join(repoRoot, 'services/gateway/src/server.ts')],
      {
        env: {
          ...base,
          GATEWAY_PORT: String(gatewayPort),
          GATEWAY_PUBLIC_URL: gatewayUrl,
          SESSIONS_GRPC_URL: `127.0.0.1:${grpcPort}`,
          AUTH_TOKEN_KEYS,
          ...options.env?.gateway,
        },
      },
    )
    processes.push(gateway)
    await waitUntilReady('uploads', () => httpOk(`${uploadsUrl}/health/ready`), {
      timeoutMs: 60_000,
      process: uploads,
    })
    await waitUntilReady('gateway and sessions', () => httpOk(`${gatewayUrl}/health/ready`), {
      timeoutMs: 60_000,
      process: gateway,
    })
    return { gatewayUrl, apiUrl: `${gatewayUrl}/api/v1`, uploadsUrl, gate, processes, output, stop }
  } catch (err) {
    const logs = output()
    await stop()
    throw new Error(`system did not start: ${err instanceof Error ? err.message : String(err)}\n${logs}`)
  }
}
