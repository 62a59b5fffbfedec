import { z } from 'zod'
import type { App } from './context.ts'
import { readinessSchema } from './schemas.ts'

export interface DependencyProbe {
  name: 'dynamodb' | 'redis' | 'sessions'
  /** Required dependencies make the gateway unready; optional ones only degrade it (Redis). */
  required: boolean
  check(timeoutMs: number): Promise<void>
}

const PROBE_TIMEOUT_MS = 2000

async function run(probe: DependencyProbe) {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      probe.check(PROBE_TIMEOUT_MS),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS)
      }),
    ])
    return {
      status: 'up' as const,
      latencyMs: Math.round(performance.now() - started),
      required: probe.required,
    }
  } catch (err) {
    return {
      status: 'down' as const,
      latencyMs: Math.round(performance.now() - started),
      required: probe.required,
      // Only a coarse hint: readiness output must not leak addresses or stack traces.
      error: err instanceof Error && err.message === 'timed out' ? 'timeout' : 'unreachable',
    }
  } finally {
    clearTimeout(timer)
  }
}

export function healthRoutes(app: App, probes: DependencyProbe[]) {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Each dependency with status and latency; 503 when a required one is down',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(probes.map(async (p) => [p.name, await run(p)] as const))
      const checks = Object.fromEntries(results)
      const requiredDown = results.some(([, r]) => r.required && r.status === 'down')
      const anyDown = results.some(([, r]) => r.status === 'down')
      const body = {
        status: requiredDown ? ('down' as const) : anyDown ? ('degraded' as const) : ('ok' as const),
        checks: {
          dynamodb: checks.dynamodb ?? missing(),
          redis: checks.redis ?? missing(),
          sessions: checks.sessions ?? missing(),
        },
      }
      return reply.code(requiredDown ? 503 : 200).send(body)
    },
  )
}

function missing() {
  return { status: 'down' as const, latencyMs: 0, required: true, error: 'not configured' }
}
