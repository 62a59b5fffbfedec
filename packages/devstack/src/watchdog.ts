import { readFileSync } from 'node:fs'

/**
 * The watchdog of one launcher process (the devstack CLI, a test runner): it holds the PIDs of the
 * children the launcher started and ends them when the launcher is gone, however it went. A
 * SIGKILLed launcher runs no signal handler, so this is a separate process; it notices the end
 * twice over: its IPC channel to the launcher closes, and its parent PID changes (polled).
 *
 * Run as `node watchdog.ts <launcher pid>` with an IPC channel; messages `{watch: pid}` and
 * `{forget: pid}`. Children get SIGCONT (a stopped process ignores SIGTERM until continued) and
 * SIGTERM, then SIGKILL after the grace period.
 */
const launcher = Number(process.argv[2])
const graceMs = Number(process.argv[3] ?? 5000)
const watched = new Set<number>()

/** Running (a zombie nobody reaped counts as gone; /proc where there is one). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
}
const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}

process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null) return
  const { watch, forget } = message as { watch?: unknown; forget?: unknown }
  if (typeof watch === 'number' && watch > 0) watched.add(watch)
  if (typeof forget === 'number') watched.delete(forget)
})

let ending = false
async function end(): Promise<void> {
  if (ending) return
  ending = true
  const pids = [...watched]
  for (const pid of pids) {
    signal(pid, 'SIGCONT')
    signal(pid, 'SIGTERM')
  }
  const deadline = Date.now() + graceMs
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL')
  process.exit(0)
}

process.on('disconnect', () => void end())
// The launcher may be gone before the channel is noticed closed (or have no channel at all).
setInterval(() => {
  if (process.ppid !== launcher || !alive(launcher)) void end()
}, 500)
// Signals meant for the launcher's group (Ctrl-C) must not take the watchdog first.
for (const name of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(name, () => undefined)
