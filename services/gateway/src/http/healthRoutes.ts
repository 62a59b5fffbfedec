import { livenessSchema, readinessSchema } from '@lfusys/contracts'
import { DependenciesDownError, type DependencyStatus } from '../uploads/types.ts'
import type { App } from './context.ts'

export interface DependencyProbe {
  name: 'dynamodb' | 'redis' | 'sessions'
  /** Required dependencies make the gateway unready; optional ones only degrade it (Redis). */
  required: boolean
  /** Resolves when up (optionally with the states of the dependency's own dependencies). */
  check(timeoutMs: number): Promise<unknown>
}

/** The sessions service's own dependencies, when the probe's answer (or failure) names them. */
function dependenciesOf(value: unknown): Record<string, DependencyStatus> | undefined {
  if (value instanceof DependenciesDownError) return value.dependencies
  if (typeof value !== 'object' || value === null || !('dependencies' in value)) return undefined
  const deps = (value as { dependencies: unknown }).dependencies
  if (typeof deps !== 'object' || deps === null || Object.keys(deps).length === 0) return undefined
  return deps as Record<string, DependencyStatus>
}

const PROBE_TIMEOUT_MS = 2000

async function run(probe: DependencyProbe) {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const answer = await Promise.race([
      probe.check(PROBE_TIMEOUT_MS),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS)
      }),
    ])
    const dependencies = dependenciesOf(answer)
    return {
      status: 'up' as const,
      latencyMs: Math.round(performance.now() - started),
      required: probe.required,
      ...(dependencies ? { dependencies } : {}),
    }
  } catch (err) {
    const dependencies = dependenciesOf(err)
    return {
      status: 'down' as const,
      latencyMs: Math.round(performance.now() - started),
      required: probe.required,
      // Only a coarse hint: readiness output must not leak addresses or stack traces.
      error: dependencies
        ? 'dependency_down'
        : err instanceof Error && err.message === 'timed out'
          ? 'timeout'
          : 'unreachable',
      ...(dependencies ? { dependencies } : {}),
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
        response: { 200: livenessSchema },
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
        description:
          "`checks.sessions.dependencies` carries the sessions service's own dependencies " +
          '(dynamodb, s3, sqs: up, down or unknown before its first probe); one down makes ' +
          'sessions, and so the gateway, not ready.',
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
