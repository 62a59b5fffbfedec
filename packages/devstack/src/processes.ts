import { type ChildProcess, spawn } from 'node:child_process'
import { createConnection, createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const WATCHDOG_ENTRY = fileURLToPath(new URL('./watchdog.ts', import.meta.url))
let watchdog: ChildProcess | undefined

/**
 * Children must not outlive the process that started them, even when it is SIGKILLed and runs no
 * handler: one watchdog process per launcher (see watchdog.ts) ends them. It is detached (its own
 * process group, so Ctrl-C reaches the launcher, whose handlers stop everything in order) and
 * unreferenced (it never keeps the launcher alive).
 */
function guard(pid: number): void {
  if (!watchdog?.connected) {
    watchdog = spawn(process.execPath, [WATCHDOG_ENTRY, String(process.pid)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      detached: true,
    })
    watchdog.unref()
    watchdog.channel?.unref()
  }
  watchdog.send({ watch: pid })
}

function unguard(pid: number): void {
  if (watchdog?.connected) watchdog.send({ forget: pid })
}

/** A free TCP port on 127.0.0.1, for children that cannot listen on port 0 themselves. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('could not read the port of a probe socket'))
        return
      }
      server.close(() => resolve(address.port))
    })
  })
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface ManagedProcess {
  name: string
  child: ChildProcess
  /** The last lines the process printed, for error reports. */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>
  exited: Promise<number | null>
}

export interface SpawnOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Called with each output line (the devstack CLI prefixes and prints them). */
  onLine?: (line: string) => void
}

export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid !== undefined) {
    const pid = child.pid
    guard(pid)
    child.once('exit', () => unguard(pid))
  }
  const tail: string[] = []
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      tail.push(line)
      if (tail.length > 60) tail.shift()
      options.onLine?.(line)
    }
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', (err) => {
      tail.push(`spawn failed: ${err.message}`)
      resolve(null)
    })
  })
  return {
    name,
    child,
    exited,
    output: () => tail.join('\n'),
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        await exited
        return
      }
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Polls `probe` until it resolves true, the process exits, or the deadline passes. */
export async function waitUntilReady(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  let exitCode: number | null | undefined
  options.process?.exited.then((code) => {
    exitCode = code
  })
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `${what} exited (code ${exitCode}) before it was ready:\n${options.process?.output() ?? ''}`,
      )
    }
    try {
      if (await probe()) return
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} was not ready after ${options.timeoutMs} ms${options.process ? `:\n${options.process.output()}` : ''}`,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
