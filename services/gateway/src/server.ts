// Started with `--import @lfusys/telemetry/register` (see package.json), which instruments the
// modules below before they load.
import { shutdownTelemetry } from '@lfusys/telemetry'
import { buildApp } from './app.ts'
import { loadGatewayConfig } from './config.ts'
import { createDeps, waitForRedis } from './deps.ts'

const config = loadGatewayConfig(process.env)
const deps = createDeps(config)
const logger = deps.logger
const app = await buildApp(config, deps)
if (!(await waitForRedis(deps.redis, 3000)))
  logger.warn('starting without Redis: caches bypassed, OAuth unavailable')
await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT })

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  // Fastify stops accepting connections and waits for in-flight requests before closing.
  const hardStop = setTimeout(() => {
    logger.error('shutdown took too long; exiting')
    process.exit(1)
  }, 15_000)
  hardStop.unref()
  try {
    await app.close()
    logger.info('http server closed')
    await deps.close()
    await shutdownTelemetry()
    logger.info('stopped')
    process.exit(0)
  } catch (err) {
    logger.error({ err }, 'shutdown failed')
    process.exit(1)
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
