import { awsErrorName } from '@lfusys/aws'
import type { FastifyInstance } from 'fastify'
import type { ChunkStore } from '../chunks/ChunkStore.ts'

/** Liveness says the process serves requests; readiness says chunk storage answers. */
export async function healthRoutes(app: FastifyInstance, options: { store: ChunkStore }): Promise<void> {
  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get('/health/ready', async (request, reply) => {
    const started = performance.now()
    try {
      await options.store.ping()
      const latencyMs = Math.round(performance.now() - started)
      return { status: 'ok', checks: { s3: { status: 'up', latencyMs } } }
    } catch (err) {
      const latencyMs = Math.round(performance.now() - started)
      request.log.warn({ err }, 'readiness check failed')
      return reply.status(503).send({
        status: 'unavailable',
        checks: { s3: { status: 'down', latencyMs, error: awsErrorName(err) ?? 'unreachable' } },
      })
    }
  })
}
