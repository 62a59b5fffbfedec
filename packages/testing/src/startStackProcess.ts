import { join } from 'node:path'
import { type ManagedProcess, spawnManaged } from '@lfusys/devstack'
import { repoRoot } from './paths.ts'

export interface StackProcess {
  /** The child; `stop()` ends the emulators it started. */
  process: ManagedProcess
  /** Every variable a service needs: emulator endpoints, credentials, resource names, REDIS_URL. */
  env: Record<string, string>
  /** The pid of the process that runs the emulators (fauxqs runs inside it), for CPU figures. */
  pid: number
}

/**
 * Starts the local stack in a child process (stackProcess.ts) and waits for its environment: for
 * programs outside vitest, such as the benchmarks, which measure the emulator apart from themselves.
 * Tests use the run's shared stack instead (globalSetup.ts, provisionTestStack).
 */
export async function startStackProcess(label = 'stack'): Promise<StackProcess> {
  let resolveLine: (line: string) => void = () => {}
  const firstJson = new Promise<string>((resolve) => {
    resolveLine = resolve
  })
  const child = spawnManaged(
    'stack',
    process.execPath,
    [join(import.meta.dirname, 'stackProcess.ts'), label],
    {
      cwd: repoRoot,
      onLine: (line) => {
        if (line.startsWith('{')) resolveLine(line)
      },
    },
  )
  const line = await Promise.race([
    firstJson,
    child.exited.then((code) => {
      throw new Error(`the stack process exited (${code}):\n${child.output()}`)
    }),
  ])
  const parsed = JSON.parse(line) as { env: Record<string, string>; pid: number }
  return { process: child, env: parsed.env, pid: parsed.pid }
}
