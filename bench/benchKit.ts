/**
 * What the pipeline and fairness benches share: the lfusys services as child processes (started as
 * their packages' start scripts run them), and the figures' arithmetic and tables.
 */
import { join } from 'node:path'
import { freePort, portInUse, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import { createSessionsClient } from '@lfusys/proto'

const repoRoot = join(import.meta.dirname, '..')

/** The uploads service on `port` (a free one when absent), ready when /health/ready answers 200. */
export async function startUploadsProcess(
  env: Record<string, string>,
  options: { port?: number; extra?: Record<string, string> } = {},
) {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const child = spawnManaged(
    'uploads',
    process.execPath,
    // As the package's start script runs it.
    ['--max-semi-space-size=1', join(repoRoot, 'services/uploads/src/server.ts')],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        ...env,
        UPLOADS_PORT: String(port),
        LOG_LEVEL: 'warn',
        ...options.extra,
      },
    },
  )
  await waitUntilReady('uploads service', async () => (await fetch(`${url}/health/ready`)).status === 200, {
    timeoutMs: 30_000,
    process: child,
  })
  return { process: child, url, pid: child.child.pid ?? 0 }
}

/** The sessions service on a free port, ready when its gRPC port listens; with a client for it. */
export async function startSessionsProcess(env: Record<string, string>, uploadsUrl: string) {
  const port = await freePort()
  const child = spawnManaged(
    'sessions',
    process.execPath,
    [join(repoRoot, 'services/sessions/src/server.ts')],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        ...env,
        SESSIONS_GRPC_PORT: String(port),
        UPLOADS_PUBLIC_URL: uploadsUrl,
        LOG_LEVEL: 'warn',
      },
    },
  )
  try {
    await waitUntilReady('sessions service', () => portInUse(port), { timeoutMs: 60_000, process: child })
  } catch (err) {
    await child.stop()
    throw err
  }
  const address = `127.0.0.1:${port}`
  return { process: child, port, address, client: createSessionsClient(address) }
}

/** The p-th percentile (nearest rank), undefined without values. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** A plain-text table, columns right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join(' | ')
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n')
}
