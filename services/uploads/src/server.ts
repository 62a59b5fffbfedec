import { startTelemetry } from '@lfusys/telemetry'
import { loadUploadsConfig } from './config.ts'

const config = loadUploadsConfig(process.env)
const telemetry = startTelemetry({
  serviceName: 'uploads',
  enabled: config.OTEL_ENABLED,
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
})

// Imported after telemetry starts so the HTTP and AWS SDK instrumentations can patch them.
const { createDeps } = await import('./deps.ts')
const { buildApp } = await import('./app.ts')

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
    await telemetry.shutdown()
  } catch (err) {
    deps.log.error({ err }, 'shutdown failed')
    process.exit(1)
  }
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
