import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { waitFor } from './waitFor.ts'

const setupPath = fileURLToPath(new URL('./globalSetup.ts', import.meta.url))

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

/** Running: an unreaped zombie counts as gone (this machine's init may never reap orphans). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

it('a test runner killed with SIGKILL leaves none of its stack running', async () => {
  // A stand-in for the vitest main process: it runs the real global setup and is then killed.
  const runner = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { default: setup } = await import(process.env.SETUP_PATH)
       await setup({ provide() {} })
       console.log('RUNNER READY')
       setInterval(() => {}, 1000)`,
    ],
    { env: { ...process.env, SETUP_PATH: setupPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  runner.stdout.on('data', (c) => {
    output += c
  })
  runner.stderr.on('data', (c) => {
    output += c
  })
  const exited = new Promise((resolve) => runner.on('exit', resolve))
  try {
    await waitFor(() => output.includes('RUNNER READY'), {
      timeoutMs: 90_000,
      what: `the runner's stack to start:\n${output}`,
    })
    // DynamoDB Local, redis-server and the watchdog.
    const kids = childrenOf(runner.pid ?? 0)
    expect(kids.length).toBeGreaterThanOrEqual(3)
    runner.kill('SIGKILL')
    await exited
    await waitFor(() => kids.filter(running).length === 0, {
      timeoutMs: 20_000,
      what: 'the stack of the killed runner to end',
    })
  } finally {
    runner.kill('SIGKILL')
  }
}, 150_000)
