#!/usr/bin/env node
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import {
  CSRF_COOKIE,
  createSessionFetch,
  type FileRecord,
  GatewayClient,
  hashChunksInline,
  isSameContent,
  type ResumeRecord,
  UploadError,
  UploadTask,
} from '@lfusys/upload-client'
import { fileSource } from '@lfusys/upload-client/node'
import { CookieJar } from './CookieJar.ts'
import { formatBytes, ProgressBar } from './ProgressBar.ts'
import { verifyDownload } from './verifyDownload.ts'

const USAGE = `lfusys - upload very large files reliably

Usage:
  lfusys login [--email EMAIL]        log in (password from LFUSYS_PASSWORD or a prompt)
  lfusys logout
  lfusys upload <file> [--concurrency N]
                                      upload a file; after Ctrl-C run it again to resume
  lfusys ls [--all] [--limit N]       list your files (--all: every user's, admins only)
  lfusys get <id> [-o PATH]           download a file and verify its content hash

Environment:
  LFUSYS_API_URL    gateway API base (default http://127.0.0.1:3100/api/v1)
  LFUSYS_STATE_DIR  where the session and resume state live (default ~/.local/state/lfusys)
`

/**
 * `pnpm lfusys ...` runs the script from the workspace root; INIT_CWD is where the user typed it,
 * so relative paths mean what the user meant.
 */
function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd()
}

class UsageError extends Error {
  override readonly name = 'UsageError'
}

interface Context {
  api: GatewayClient
  jar: CookieJar
  stateDir: string
  apiUrl: string
}

function stateDirFrom(env: NodeJS.ProcessEnv): string {
  if (env.LFUSYS_STATE_DIR) return resolve(env.LFUSYS_STATE_DIR)
  const base = env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(homedir(), '.local', 'state')
  return join(base, 'lfusys')
}

async function context(env: NodeJS.ProcessEnv): Promise<Context> {
  const stateDir = stateDirFrom(env)
  const apiUrl = (env.LFUSYS_API_URL ?? 'http://127.0.0.1:3100/api/v1').replace(/\/+$/, '')
  const jar = new CookieJar(join(stateDir, 'session.json'))
  await jar.load()
  const fetch = createSessionFetch({
    fetch: jar.fetch(),
    // Production names the cookie __Host-lfusys_csrf (host-bound); elsewhere it is lfusys_csrf.
    csrfToken: () => jar.get(`__Host-${CSRF_COOKIE}`) ?? jar.get(CSRF_COOKIE),
    refreshUrl: `${apiUrl}/auth/refresh`,
  })
  return { api: new GatewayClient({ baseUrl: apiUrl, fetch }), jar, stateDir, apiUrl }
}

async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

async function login(ctx: Context, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } })
  const email = values.email ?? env.LFUSYS_EMAIL ?? (await prompt('Email: '))
  // The password never goes on the command line, where other users could read it in `ps`.
  const password = env.LFUSYS_PASSWORD ?? (await prompt('Password: '))
  if (!email || !password) throw new UsageError('email and password are required')
  const user = await ctx.api.login(email, password)
  if (ctx.jar.size === 0) throw new Error('the gateway set no session cookie')
  process.stdout.write(`Logged in as ${user.email}${user.role === 'admin' ? ' (admin)' : ''}\n`)
}

async function logout(ctx: Context): Promise<void> {
  await ctx.api.logout().catch(() => undefined)
  ctx.jar.clear()
  await ctx.jar.save()
  process.stdout.write('Logged out\n')
}

/** The resume state of one local file: upload id, chunk plan and every chunk digest. */
interface UploadState extends ResumeRecord {
  path: string
}

function statePath(ctx: Context, absPath: string): string {
  const key = createHash('sha256').update(`${ctx.apiUrl}\n${absPath}`).digest('hex').slice(0, 32)
  return join(ctx.stateDir, 'uploads', `${key}.json`)
}

async function readState(path: string): Promise<UploadState | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'uploadId' in parsed &&
    typeof parsed.uploadId === 'string' &&
    'path' in parsed &&
    typeof parsed.path === 'string' &&
    'fileSize' in parsed &&
    typeof parsed.fileSize === 'number' &&
    'chunkSize' in parsed &&
    typeof parsed.chunkSize === 'number' &&
    'chunkCount' in parsed &&
    typeof parsed.chunkCount === 'number' &&
    'digests' in parsed &&
    Array.isArray(parsed.digests) &&
    parsed.digests.every((d: unknown) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d))
  ) {
    return {
      uploadId: parsed.uploadId,
      path: parsed.path,
      fileName: 'fileName' in parsed && typeof parsed.fileName === 'string' ? parsed.fileName : '',
      fileSize: parsed.fileSize,
      lastModified: undefined,
      contentType: 'application/octet-stream',
      contentHash:
        'contentHash' in parsed && typeof parsed.contentHash === 'string' ? parsed.contentHash : '',
      chunkSize: parsed.chunkSize,
      chunkCount: parsed.chunkCount,
      digests: parsed.digests.filter((d: unknown): d is string => typeof d === 'string'),
      createdAt: 'createdAt' in parsed && typeof parsed.createdAt === 'string' ? parsed.createdAt : '',
    }
  }
  return undefined
}

async function writeState(path: string, state: UploadState): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 })
  await writeFile(`${path}.tmp`, JSON.stringify(state), { mode: 0o600 })
  await rename(`${path}.tmp`, path)
}

async function upload(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { concurrency: { type: 'string', default: '4' } },
  })
  const file = positionals[0]
  if (!file || positionals.length > 1) throw new UsageError('upload takes exactly one file')
  const concurrency = Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError('--concurrency must be an integer from 1 to 64')

  const absPath = resolve(userCwd(), file)
  const source = await fileSource(absPath)
  const stateFile = statePath(ctx, absPath)
  let state = await readState(stateFile)
  if (state) {
    // The recorded plan is the server's, whatever this client would pick today.
    const recorded = { fileSize: state.fileSize, chunkSize: state.chunkSize, chunkCount: state.chunkCount }
    const same =
      state.path === absPath &&
      source.size === state.fileSize &&
      (await isSameContent(source, recorded, state.digests))
    if (same) {
      process.stderr.write(`Resuming upload ${state.uploadId}\n`)
    } else {
      process.stderr.write('The file changed since the interrupted upload; starting afresh\n')
      await rm(stateFile, { force: true })
      state = undefined
    }
  }

  const bar = new ProgressBar(process.stderr)
  const task = new UploadTask({
    source,
    gateway: ctx.api,
    concurrency,
    hasher: hashChunksInline,
    resume: state
      ? {
          uploadId: state.uploadId,
          digests: state.digests,
          chunkSize: state.chunkSize,
          chunkCount: state.chunkCount,
        }
      : undefined,
    onSessionReady: (record) => writeState(stateFile, { ...record, path: absPath }),
  })
  task.subscribe((s) => bar.update(s))

  // Ctrl-C stops sending and keeps the server session and the state file, so running the same
  // command again continues with the chunks the server does not have yet.
  let interrupted = false
  const onSigint = () => {
    if (interrupted) process.exit(130)
    interrupted = true
    task.pause()
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  try {
    const outcome = await Promise.race([
      task.start(),
      new Promise<'interrupted'>((r) => {
        const check = () => (task.snapshot.paused ? r('interrupted') : undefined)
        task.subscribe(check)
      }),
    ])
    bar.end()
    if (outcome === 'interrupted') {
      process.stderr.write(
        `Interrupted after ${task.snapshot.chunksDone}/${task.snapshot.chunkCount} chunks. Run the same command to resume.\n`,
      )
      return 130
    }
    switch (outcome.kind) {
      case 'complete':
        await rm(stateFile, { force: true })
        process.stdout.write(
          `${outcome.fileId}\tcomplete\t${formatBytes(source.size)}\t${task.snapshot.contentHash ?? ''}\n`,
        )
        return 0
      case 'duplicate':
        await rm(stateFile, { force: true })
        process.stdout.write(
          `${outcome.file.id}\talready uploaded\t${formatBytes(outcome.file.size)}\t${outcome.file.contentHash}\n`,
        )
        return 0
      case 'cancelled':
        await rm(stateFile, { force: true })
        process.stderr.write('Cancelled\n')
        return 1
      case 'failed': {
        const final = ['UPLOAD_FAILED', 'FILE_CHANGED', 'PLAN_MISMATCH', 'NOT_FOUND', 'FORBIDDEN']
        if (final.includes(outcome.error.code)) await rm(stateFile, { force: true })
        process.stderr.write(`Upload failed (${outcome.error.code}): ${outcome.error.message}\n`)
        return 1
      }
    }
    return 1
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
    await source.close?.()
  }
}

async function ls(ctx: Context, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { all: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' } },
  })
  const limit = Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1..1000')
  let cursor: string | null = null
  let shown = 0
  do {
    const page: { files: FileRecord[]; nextCursor: string | null } = await ctx.api.listFiles({
      limit: Math.min(limit - shown, 100),
      cursor,
      all: values.all,
    })
    for (const f of page.files) {
      process.stdout.write(`${f.id}\t${formatBytes(f.size)}\t${f.createdAt}\t${f.contentHash}\t${f.name}\n`)
    }
    shown += page.files.length
    cursor = page.nextCursor
  } while (cursor && shown < limit)
}

async function get(ctx: Context, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' } },
  })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new UsageError('get takes exactly one file id')
  const file = await ctx.api.getFile(id)
  const policy = await ctx.api.uploadPolicy()
  const out = resolve(userCwd(), values.output ?? file.name.replace(/[/\\]/g, '_'))
  // The gateway answers with a redirect to a presigned URL; follow it without our cookies.
  const redirectFetch = createSessionFetch({
    fetch: ctx.jar.fetch(),
    csrfToken: () => ctx.jar.get(`__Host-${CSRF_COOKIE}`) ?? ctx.jar.get(CSRF_COOKIE),
    refreshUrl: `${ctx.apiUrl}/auth/refresh`,
  })
  const res = await redirectFetch(ctx.api.downloadUrl(id), { redirect: 'manual' })
  const location = res.headers.get('location')
  await res.body?.cancel()
  if (res.status < 300 || res.status >= 400 || !location)
    throw new UploadError('HTTP_ERROR', `download link request failed (HTTP ${res.status})`, {
      status: res.status,
    })
  const download = await fetch(new URL(location, ctx.apiUrl))
  if (!download.ok || !download.body) throw new Error(`download failed (HTTP ${download.status})`)
  const tmp = `${out}.part`
  await pipeline(Readable.fromWeb(download.body), createWriteStream(tmp, { mode: 0o644 }))
  await verifyDownload(tmp, file, policy.chunkPlan)
  await rename(tmp, out)
  process.stdout.write(`${out}\t${formatBytes(file.size)}\tverified ${file.contentHash}\n`)
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE)
    return command ? 0 : 2
  }
  const ctx = await context(env)
  try {
    switch (command) {
      case 'login':
        await login(ctx, rest, env)
        return 0
      case 'logout':
        await logout(ctx)
        return 0
      case 'upload':
        return await upload(ctx, rest)
      case 'ls':
        await ls(ctx, rest)
        return 0
      case 'get':
        await get(ctx, rest)
        return 0
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`${err.message}\n\n${USAGE}`)
      return 2
    }
    if (err instanceof UploadError && err.status === 401) {
      process.stderr.write('Not logged in (or the session expired): run `lfusys login`\n')
      return 1
    }
    process.stderr.write(`lfusys: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
