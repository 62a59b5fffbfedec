import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MiB } from '@lfusys/contracts'
import { provisionTestStack, repoRoot, type TestStack, waitFor } from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CLI = join(repoRoot, 'apps/cli/src/main.ts')

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
}

function startCli(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8')
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8')
  })
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exit }
}

async function cli(args: string[], env: Record<string, string>) {
  const run = startCli(args, env)
  const code = await run.exit
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

describe('lfusys CLI against the whole system', () => {
  let stack: TestStack
  let system: RunningSystem
  let dir: string
  let env: Record<string, string>
  const email = `cli-${randomBytes(4).toString('hex')}@example.test`
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    stack = await provisionTestStack('cli')
    system = await startSystem(stack)
    dir = await mkdtemp(join(tmpdir(), 'lfusys-cli-'))
    env = {
      PATH: process.env.PATH ?? '',
      LFUSYS_API_URL: system.apiUrl,
      LFUSYS_STATE_DIR: join(dir, 'state'),
      LFUSYS_EMAIL: email,
      LFUSYS_PASSWORD: password,
    }
    const res = await fetch(`${system.apiUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, name: 'CLI Tester' }),
    })
    expect(res.status).toBe(201)
  })

  afterAll(async () => {
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('logs in and keeps the session in a file only the user can read', async () => {
    const r = await cli(['login'], env)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(`Logged in as ${email}\n`)
    expect(r.code).toBe(0)
    const info = await stat(join(dir, 'state', 'session.json'))
    expect(info.mode & 0o777).toBe(0o600)
  })

  it('uploads 40 MiB, is interrupted by Ctrl-C, resumes with only the missing chunks, downloads it verified, and dedups a re-upload', async () => {
    const data = randomBytes(40 * MiB)
    const sha = createHash('sha256').update(data).digest('hex')
    const file = join(dir, 'big.bin')
    await writeFile(file, data)

    // Two chunks reach the server, the next ones hang in flight: then Ctrl-C.
    system.gate.holdAfter(2)
    const first = startCli(['upload', file], env)
    await waitFor(() => system.gate.stored().length === 2 && system.gate.heldCount >= 1, {
      timeoutMs: 60_000,
      what: 'two stored chunks and one held',
    })
    first.child.kill('SIGINT')
    expect(await first.exit).toBe(130)
    expect(first.stderr()).toContain('Interrupted after 2/5 chunks. Run the same command to resume.')
    const uploadId = /^uploading ([0-9a-f-]{36})$/m.exec(first.stderr())?.[1] ?? ''
    expect(uploadId).toMatch(/^[0-9a-f-]{36}$/)
    const firstRun = system.gate.stored(uploadId)
    expect(firstRun).toHaveLength(2)

    // The state file holds the upload id, the plan and every digest.
    const stateFiles = await readdir(join(dir, 'state', 'uploads'))
    expect(stateFiles).toHaveLength(1)
    const state: unknown = JSON.parse(
      await readFile(join(dir, 'state', 'uploads', stateFiles[0] ?? ''), 'utf8'),
    )
    expect(state).toMatchObject({ uploadId, chunkCount: 5, chunkSize: 8 * MiB, fileSize: 40 * MiB })

    // The server counts a chunk once its S3 event has been consumed: wait for both, so the resume
    // below is measured against what the server really has. The CLI's own session file is used.
    const session: unknown = JSON.parse(await readFile(join(dir, 'state', 'session.json'), 'utf8'))
    const cookie = Object.entries(typeof session === 'object' && session !== null ? session : {})
      .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null && 'value' in v ? String(v.value) : ''}`)
      .join('; ')
    await waitFor(
      async () => {
        const res = await fetch(`${system.apiUrl}/uploads/${uploadId}`, { headers: { cookie } })
        const body: unknown = await res.json()
        const received =
          typeof body === 'object' && body !== null && 'receivedChunks' in body ? body.receivedChunks : []
        return Array.isArray(received) && [...received].sort().join() === [...firstRun].sort().join()
      },
      { timeoutMs: 30_000, what: 'the server to count the two stored chunks' },
    )

    system.gate.open()
    const second = await cli(['upload', file], env)
    expect(second.stderr).toContain(`Resuming upload ${uploadId}`)
    expect(second.code).toBe(0)
    // On a pipe the progress is one line per stage, named as a person sees it.
    expect(second.stderr).toContain(`uploading ${uploadId}\nassembling ${uploadId}\ncomplete ${uploadId}\n`)
    const [fileId, verdict] = second.stdout.trim().split('\t')
    expect(verdict).toBe('complete')
    // Nothing the server already had was sent again.
    const all = system.gate.stored(uploadId)
    expect(all.slice(2).sort()).toEqual([0, 1, 2, 3, 4].filter((i) => !firstRun.includes(i)))
    expect(await readdir(join(dir, 'state', 'uploads'))).toEqual([])

    const ls = await cli(['ls'], env)
    expect(ls.code).toBe(0)
    expect(ls.stdout).toContain(`${fileId}\t40.0 MiB\t`)
    expect(ls.stdout).toContain('\tbig.bin\n')

    const out = join(dir, 'downloaded.bin')
    const get = await cli(['get', fileId ?? '', '-o', out], env)
    expect(get.stderr).toBe('')
    expect(get.code).toBe(0)
    expect(
      createHash('sha256')
        .update(await readFile(out))
        .digest('hex'),
    ).toBe(sha)

    const before = system.gate.completed.length
    const again = await cli(['upload', file], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^${fileId}\\talready uploaded\\t40.0 MiB\\t[0-9a-f]{64}\\n$`))
    expect(system.gate.completed.length).toBe(before)
  })

  it('refuses a missing file and unknown commands with a usage error', async () => {
    const missing = await cli(['upload', join(dir, 'nope.bin')], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no such file or directory')
    const unknown = await cli(['frobnicate'], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
  })
})

describe('lfusys CLI against a deployment with another chunk size', () => {
  const CHUNK = 3 * MiB
  let stack: TestStack
  let system: RunningSystem
  let dir: string
  let env: Record<string, string>

  beforeAll(async () => {
    stack = await provisionTestStack('cli-chunks')
    const policyEnv = { CHUNK_SIZE_BYTES: String(CHUNK) }
    system = await startSystem(stack, { env: { sessions: policyEnv, gateway: policyEnv } })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-cli-chunks-'))
    const email = `cli-chunks-${randomBytes(4).toString('hex')}@example.test`
    const password = 'correct horse battery staple'
    env = {
      PATH: process.env.PATH ?? '',
      LFUSYS_API_URL: system.apiUrl,
      LFUSYS_STATE_DIR: join(dir, 'state'),
      LFUSYS_EMAIL: email,
      LFUSYS_PASSWORD: password,
    }
    const res = await fetch(`${system.apiUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    expect(res.status).toBe(201)
    expect((await cli(['login'], env)).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('uploads with the announced chunk size and downloads the file verified against it', async () => {
    // One 8 MiB chunk would be another content hash: the download is checked with 3 chunks of 3 MiB.
    const data = randomBytes(7 * MiB + 5)
    const file = join(dir, 'seven.bin')
    await writeFile(file, data)
    const up = await cli(['upload', file], env)
    expect(up.stderr).not.toContain('failed')
    expect(up.code).toBe(0)
    const [fileId, verdict, , contentHash] = up.stdout.trim().split('\t')
    expect(verdict).toBe('complete')
    // Three PUTs of one upload: the plan was decided once, with the server's chunk size.
    expect(system.gate.stored().sort()).toEqual([0, 1, 2])

    const out = join(dir, 'seven.out')
    const get = await cli(['get', fileId ?? '', '-o', out], env)
    expect(get.stderr).toBe('')
    expect(get.code).toBe(0)
    expect(get.stdout).toBe(`${out}\t7.0 MiB\tverified ${contentHash}\n`)
    expect(Buffer.compare(await readFile(out), data)).toBe(0)
  })
})
