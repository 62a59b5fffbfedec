// Started with `--import @lfusys/telemetry/register` (see package.json), which instruments the
// modules below before they load.
import { shutdownTelemetry } from '@lfusys/telemetry'
import { buildApp } from './app.ts'
import { loadUploadsConfig } from './config.ts'
import { createDeps } from './deps.ts'

const config = loadUploadsConfig(process.env)

const deps = createDeps(config)
const app = await buildApp(config, deps)
await app.listen({ host: config.UPLOADS_HOST, port: config.UPLOADS_PORT })

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  deps.log.info({ signal }, 'shutting down')
  try {
    // Stops accepting, lets in-flight chunk requests finish, then releases clients.
    await app.close()
    await deps.close()
    await shutdownTelemetry()
  } catch (err) {
    deps.log.error({ err }, 'shutdown failed')
    process.exit(1)
  }
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
