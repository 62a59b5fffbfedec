import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@lfusys/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from './processes.ts'
import { redisPing } from './redis.ts'

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
const stateDir = mkdtempSync(join(tmpdir(), 'lfusys-cli-'))
afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Running: an unreaped zombie counts as gone (this machine's init may never reap orphans). */
const running = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return alive(pid)
  }
}

function launch(args: string[]) {
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { text: '' }
  proc.stdout.on('data', (c) => {
    out.text += c
  })
  proc.stderr.on('data', (c) => {
    out.text += c
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { proc, out, exited }
}

describe('devstack CLI', () => {
  it('starts the stack, writes the env file, and on SIGINT stops every child it started', async () => {
    const [aws, dynamodb, redis] = [await freePort(), await freePort(), await freePort()]
    const proc = spawn(
      process.execPath,
      [
        cli,
        '--state-dir',
        stateDir,
        '--stack',
        'cli-probe',
        '--aws-port',
        String(aws),
        '--dynamodb-port',
        String(dynamodb),
        '--redis-port',
        String(redis),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    proc.stdout.on('data', (c) => {
      output += c
    })
    proc.stderr.on('data', (c) => {
      output += c
    })
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve))
    await waitFor(() => output.includes('Ctrl-C stops it'), {
      timeoutMs: 60_000,
      what: `the stack to start:\n${output}`,
    })

    const env = readFileSync(join(stateDir, 'env'), 'utf8')
    expect(env).toContain(`AWS_ENDPOINT_URL_S3=http://127.0.0.1:${aws}`)
    expect(env).toContain(`AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:${dynamodb}`)
    expect(env).toContain(`REDIS_URL=redis://127.0.0.1:${redis}`)
    // Sourcing the file must be enough for the AWS CLI, which may read only AWS_DEFAULT_REGION.
    expect(env).toMatch(/^AWS_DEFAULT_REGION=us-east-1$/m)
    expect(env).toMatch(/^AWS_REGION=us-east-1$/m)
    expect(env).toContain('S3_BUCKET=cli-probe-data')
    expect(env).toMatch(/UPLOAD_TOKEN_KEYS=dev1:\S{32,}/)
    expect(await redisPing('127.0.0.1', redis)).toBe(true)
    const health = await fetch(`http://127.0.0.1:${aws}/health`)
    expect(health.ok).toBe(true)
    // The mail catcher: its SMTP URL goes to the services, its inbox URL is printed.
    expect(env).toMatch(/^SMTP_URL=smtp:\/\/127\.0\.0\.1:\d+$/m)
    const inbox = /Mail inbox\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
    expect(inbox).toBeDefined()
    expect((await fetch(`${inbox}/api/email`)).ok).toBe(true)

    const kids = childrenOf(proc.pid ?? 0)
    expect(kids.length).toBeGreaterThanOrEqual(2) // DynamoDB Local (java) and redis-server
    proc.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(output).toContain('stopped; no process left behind')
    // The emulators are stopped by then; the watchdog follows its launcher a moment later.
    await waitFor(() => kids.filter(running).length === 0, { what: 'every child to end' })
    expect(await redisPing('127.0.0.1', redis)).toBe(false)
  })

  it('a SIGKILLed launcher leaves no child running, and a restart on the same state works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lfusys-cli-kill-'))
    const [aws, dynamodb, redis] = [await freePort(), await freePort(), await freePort()]
    const args = [
      '--state-dir',
      dir,
      '--stack',
      'cli-kill',
      '--aws-port',
      String(aws),
      '--dynamodb-port',
      String(dynamodb),
      '--redis-port',
      String(redis),
    ]
    try {
      const first = launch(args)
      await waitFor(() => first.out.text.includes('Ctrl-C stops it'), {
        timeoutMs: 60_000,
        what: `the stack to start:\n${first.out.text}`,
      })
      // DynamoDB Local (java), redis-server and the watchdog.
      const kids = childrenOf(first.proc.pid ?? 0)
      expect(kids.length).toBeGreaterThanOrEqual(3)
      first.proc.kill('SIGKILL')
      await first.exited
      // No handler ran: the watchdog ends the children.
      await waitFor(() => kids.filter(running).length === 0, {
        timeoutMs: 20_000,
        what: 'the children of the killed launcher to end',
      })
      expect(await redisPing('127.0.0.1', redis)).toBe(false)

      // Same ports, same state: no manual step.
      const second = launch(args)
      await waitFor(() => second.out.text.includes('Ctrl-C stops it'), {
        timeoutMs: 60_000,
        what: `the restarted stack to start:\n${second.out.text}`,
      })
      expect(second.out.text).not.toContain('already in use')
      expect(await redisPing('127.0.0.1', redis)).toBe(true)
      const again = childrenOf(second.proc.pid ?? 0)
      second.proc.kill('SIGINT')
      expect(await second.exited).toBe(0)
      await waitFor(() => again.filter(running).length === 0, { what: 'the restarted stack to stop' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses to start on a port that is taken, naming it', async () => {
    const taken = await freePort()
    const blocker = (await import('node:net')).createServer().listen(taken, '127.0.0.1')
    try {
      const proc = spawn(process.execPath, [cli, '--state-dir', stateDir, '--aws-port', String(taken)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      proc.stderr.on('data', (c) => {
        output += c
      })
      const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve))
      expect(code).toBe(1)
      expect(output).toContain(`already in use: aws port ${taken}`)
    } finally {
      blocker.close()
    }
  })
})
