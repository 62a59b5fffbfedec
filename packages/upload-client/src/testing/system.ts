import { freePort, type ManagedProcess } from '@lfusys/devstack'
import { startSystem as startServices, type TestStack } from '@lfusys/testing'
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

/**
 * The whole backend as real processes (the shared helper of @lfusys/testing), with a ChunkGate in
 * front of the uploads service so tests can hold chunk PUTs at a known point.
 */
export async function startSystem(stack: TestStack, options: SystemOptions = {}): Promise<RunningSystem> {
  const uploadsPort = await freePort()
  const gate = new ChunkGate(`http://127.0.0.1:${uploadsPort}`)
  const publicUploadsUrl = await gate.start()
  try {
    const services = await startServices(stack, {
      env: { WEB_ORIGIN: options.webOrigin ?? 'http://127.0.0.1:5173' },
      ...(options.env ? { services: options.env } : {}),
      uploadTokenKeys: UPLOAD_TOKEN_KEYS,
      authTokenKeys: AUTH_TOKEN_KEYS,
      uploadsPort,
      publicUploadsUrl,
    })
    return {
      gatewayUrl: services.gatewayUrl,
      apiUrl: `${services.gatewayUrl}/api/v1`,
      uploadsUrl: services.uploadsUrl,
      gate,
      processes: [services.sessions, services.uploads, services.gateway],
      output: services.output,
      async stop() {
        await services.stop()
        await gate.stop()
      },
    }
  } catch (err) {
    await gate.stop()
    throw err
  }
}
