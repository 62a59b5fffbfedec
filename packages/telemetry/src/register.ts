/**
 * The instrumentation entry of every start path: `node --import @lfusys/telemetry/register src/server.ts`
 * (each service's `start` script, which `scripts/start-service.sh` (the image's command) and
 * `make dev` reuse). It registers OpenTelemetry's ESM loader hook, then starts the SDK, all before
 * the service's first `import`, so gRPC, ioredis, pino, http and the AWS SDK are patched.
 */
import { register } from 'node:module'
import { loadConfig, telemetryEnv } from '@lfusys/config'
import { createAddHookMessageChannel } from 'import-in-the-middle'
import { z } from 'zod'

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel()
// Only modules an instrumentation asked for are wrapped (registerOptions carries their names).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, registerOptions)

const { startTelemetry } = await import('./startTelemetry.ts')
const { setPseudonymKey } = await import('./pseudonym.ts')

/** `services/<name>/src/server.ts` runs as service `<name>` unless OTEL_SERVICE_NAME says otherwise. */
function serviceName(): string {
  const fromEnv = process.env.OTEL_SERVICE_NAME
  if (fromEnv) return fromEnv
  const match = /services[\\/]([^\\/]+)[\\/]src[\\/]/.exec(process.argv[1] ?? '')
  return match?.[1] ?? 'lfusys'
}

/** Metrics are served on the interface the service itself listens on, unless METRICS_HOST says otherwise. */
const listenHostVariable: Record<string, string> = {
  gateway: 'GATEWAY_HOST',
  uploads: 'UPLOADS_HOST',
  sessions: 'SESSIONS_GRPC_HOST',
}

const config = loadConfig(z.object(telemetryEnv), process.env)
const service = serviceName()
const serviceHost = process.env[listenHostVariable[service] ?? '']
setPseudonymKey(config.TELEMETRY_PSEUDONYM_KEY)
const telemetry = startTelemetry({
  serviceName: service,
  enabled: config.OTEL_ENABLED,
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  metricsPort: config.METRICS_PORT,
  metricsHost: config.METRICS_HOST ?? (serviceHost || '127.0.0.1'),
  metricsExportIntervalMs: config.OTEL_METRIC_EXPORT_INTERVAL_MS,
})
;(globalThis as { [key: symbol]: unknown })[Symbol.for('lfusys.telemetry')] = telemetry
await waitForAllMessagesAcknowledged()
