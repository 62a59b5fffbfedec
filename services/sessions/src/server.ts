// Started with `--import @lfusys/telemetry/register` (see package.json), which instruments the
// modules below before they load.
import { shutdownTelemetry } from '@lfusys/telemetry'
import { buildApp, listen } from './app.ts'
import { loadSessionsConfig } from './config.ts'
import { createDeps } from './deps.ts'

const config = loadSessionsConfig(process.env)
const deps = createDeps(config)
const app = buildApp(config, deps)
const port = await listen(app.server, config.SESSIONS_GRPC_HOST, config.SESSIONS_GRPC_PORT)
app.dependencyHealth.start()
if (config.CONSUMER_ENABLED) app.consumer.start()
if (config.SWEEPER_ENABLED) app.sweeper.start(config.SWEEPER_INTERVAL_SECONDS * 1000)
deps.log.info(
  { host: config.SESSIONS_GRPC_HOST, port, workers: config.CONSUMER_ENABLED ? config.CONSUMER_WORKERS : 0 },
  'sessions listening',
)

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  deps.log.info({ signal }, 'shutting down')
  app.health.setStatus('', 'NOT_SERVING')
  const deadline = setTimeout(() => {
    deps.log.error('shutdown timed out; exiting')
    process.exit(1)
  }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000)
  deadline.unref()
  // Stop taking work, let in-flight messages and calls finish, then close clients.
  const started = Date.now()
  app.closeStreams()
  await Promise.all([
    app.consumer.stop(),
    app.sweeper.stop(),
    app.sessions.drain(),
    app.dependencyHealth.stop(),
    new Promise<void>((resolve) => app.server.tryShutdown(() => resolve())),
  ])
  await deps.close()
  deps.log.info({ ms: Date.now() - started }, 'sessions stopped')
  // Flushing spans must not hold the exit (the SDK's shutdown can take seconds with nothing to send).
  await shutdownTelemetry()
  clearTimeout(deadline)
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
