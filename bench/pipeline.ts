/**
 * Upload pipeline benchmark (issue 3, point 5). Not a test: it prints numbers.
 *
 *   pnpm --filter @lfusys/bench bench:pipeline [--quick] [--repeat N] [--concurrency 4,8] [--sizes 256,1024] [--no-staged]
 *
 * Client (this process), uploads service, sessions service and the emulators (a devstack child)
 * each run in their own process. For every file size and concurrency it measures, side by side:
 *   U  the same chunks PUT straight to the emulator by this client (the upload ceiling);
 *   F  this client assembling those chunk objects like a finalizer (multipart + parallel
 *      UploadPartCopy + Complete), and the bare Complete;
 *   the system: chunk PUTs through the uploads service, last chunk's 201 -> upload `complete`,
 *      first byte -> `complete`, and the uploads service's CPU seconds and peak RSS.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import type * as grpc from '@grpc/grpc-js'
import { createS3Client } from '@lfusys/aws'
import {
  type ChunkPlan,
  chunkLength,
  formatContentDigest,
  MiB,
  planChunks,
  toBase64,
  toHex,
} from '@lfusys/contracts'
import { freePort, type ManagedProcess, portInUse, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import {
  type CreateUploadResponse__Output,
  createSessionsClient,
  type FileInfo__Output,
  type SessionsClient,
  type UploadSession__Output,
} from '@lfusys/proto'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import { cpuSecondsOf, peakRssMiB, resetPeakRss, rssMiB } from './procStats.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '4,8' },
    sizes: { type: 'string' },
    'no-staged': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
  },
})

const repoRoot = join(import.meta.dirname, '..')
const dataDir = join(import.meta.dirname, '.data')
const GiB = 1024 * MiB
const MB = 1e6
/** UploadPartCopy calls in flight while assembling (the sessions service's default). */
const COPY_CONCURRENCY = 8
const sizesMiB = (args.sizes ?? (args.quick ? '64' : '256,1024')).split(',').map(Number)
const concurrencies = args.concurrency.split(',').map(Number)
/** Rounds per measurement; each figure is the best round (the machine may be shared). */
const repeat = Math.max(1, Number(args.repeat))
const TARGETS = {
  uploadVsU: 0.7,
  cpuPerGiB: 5.5,
  peakRssMiB: 200,
  lastToCompleteOverComplete: 1,
  firstToCompleteVsUF: 0.85,
}

const now = () => performance.now() / 1000
const log = (msg: string) => console.error(`[bench] ${msg}`)

// ---------------------------------------------------------------------------------------------
// Data files and their chunk digests (prepared before anything is timed)

interface DataFile {
  path: string
  size: number
  plan: ChunkPlan
  /** Content-Digest header value and raw SHA-256 of each chunk. */
  digests: { header: string; sha256: Uint8Array }[]
}

async function prepareFile(sizeMiB: number): Promise<DataFile> {
  mkdirSync(dataDir, { recursive: true })
  const size = sizeMiB * MiB
  const path = join(dataDir, `random-${sizeMiB}MiB.bin`)
  if (!existsSync(path) || statSync(path).size !== size) {
    log(`generating ${path}`)
    const out = createWriteStream(path)
    for (let written = 0; written < size; written += 8 * MiB) {
      if (!out.write(randomBytes(Math.min(8 * MiB, size - written)))) await once(out, 'drain')
    }
    out.end()
    await once(out, 'finish')
  }
  const plan = planChunks(size)
  const cachePath = `${path}.${plan.chunkSize}.sha256.json`
  let hex: string[]
  if (existsSync(cachePath)) {
    hex = JSON.parse(readFileSync(cachePath, 'utf8')) as string[]
  } else {
    hex = []
    const file = await open(path)
    const buffer = Buffer.allocUnsafe(plan.chunkSize)
    for (let i = 0; i < plan.chunkCount; i++) {
      const length = chunkLength(plan, i)
      await file.read(buffer, 0, length, i * plan.chunkSize)
      hex.push(createHash('sha256').update(buffer.subarray(0, length)).digest('hex'))
    }
    await file.close()
    writeFileSync(cachePath, JSON.stringify(hex))
  }
  const digests = hex.map((h) => {
    const sha256 = Buffer.from(h, 'hex')
    return { header: formatContentDigest(sha256), sha256 }
  })
  return { path, size, plan, digests }
}

/** Runs `fn` for every chunk with `concurrency` workers, each reading its chunk from disk. */
async function forEachChunk(
  file: DataFile,
  handle: FileHandle,
  concurrency: number,
  fn: (index: number, body: Buffer) => Promise<void>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, file.plan.chunkCount) }, async () => {
      const buffer = Buffer.allocUnsafe(file.plan.chunkSize)
      for (let index = next++; index < file.plan.chunkCount; index = next++) {
        const length = chunkLength(file.plan, index)
        await handle.read(buffer, 0, length, index * file.plan.chunkSize)
        await fn(index, buffer.subarray(0, length))
      }
    }),
  )
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T)
    }),
  )
  return results
}

// ---------------------------------------------------------------------------------------------
// Ceilings U and F

/** Same signing as the uploads service: the known digest is the payload hash, nothing is rehashed. */
function putWithKnownDigest(bucket: string, key: string, body: Buffer, sha256: Uint8Array) {
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    Body: body,
    ContentLength: body.length,
    ChecksumSHA256: toBase64(sha256),
  })
  const hex = toHex(sha256)
  command.middlewareStack.add(
    (next) => async (input) => {
      const req = input.request as { headers?: Record<string, string> }
      if (req.headers) req.headers['x-amz-content-sha256'] = hex
      return next(input)
    },
    { step: 'build', name: 'benchKnownPayloadHash' },
  )
  return command
}

async function ceilingU(
  s3: S3Client,
  bucket: string,
  file: DataFile,
  handle: FileHandle,
  c: number,
  prefix: string,
) {
  const started = now()
  await forEachChunk(file, handle, c, async (index, body) => {
    const digest = file.digests[index]
    if (!digest) throw new Error(`no digest for chunk ${index}`)
    await s3.send(
      putWithKnownDigest(bucket, `${prefix}${String(index).padStart(5, '0')}`, body, digest.sha256),
    )
  })
  return now() - started
}

async function ceilingF(s3: S3Client, bucket: string, file: DataFile, prefix: string, target: string) {
  const started = now()
  const created = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: target, ChecksumAlgorithm: 'SHA256' }),
  )
  const uploadId = created.UploadId
  if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId')
  try {
    const indices = Array.from({ length: file.plan.chunkCount }, (_, i) => i)
    const parts = await mapLimit(indices, COPY_CONCURRENCY, async (i) => {
      const out = await s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: target,
          UploadId: uploadId,
          PartNumber: i + 1,
          CopySource: `${bucket}/${prefix}${String(i).padStart(5, '0')}`,
        }),
      )
      return {
        PartNumber: i + 1,
        ETag: out.CopyPartResult?.ETag,
        ...(out.CopyPartResult?.ChecksumSHA256 ? { ChecksumSHA256: out.CopyPartResult.ChecksumSHA256 } : {}),
      }
    })
    const completeStarted = now()
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: target,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
    const done = now()
    return { total: done - started, complete: done - completeStarted }
  } catch (err) {
    await s3
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId: uploadId }))
      .catch(() => {})
    throw err
  }
}

async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }))
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }))
    if (keys.length === 0) return
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }))
  }
}

// ---------------------------------------------------------------------------------------------
// The system: uploads service (+ sessions service when it exists)

function putChunk(
  agent: Agent,
  url: string,
  token: string,
  body: Buffer,
  digest: string,
): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-digest': digest,
          'content-length': String(body.length),
          'content-type': 'application/octet-stream',
        },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

function call<Res>(
  invoke: (options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke({ deadline: Date.now() + 30_000 }, (err, res) => {
      if (err) reject(err)
      else if (res === undefined) reject(new Error('empty gRPC answer'))
      else resolve(res)
    })
  })
}

interface SystemResult {
  uploadSeconds: number
  lastToComplete: number | undefined
  firstToComplete: number | undefined
  cpuSeconds: number
  peakRss: number
  retries: number
  check: string
}

/** Each figure's best round: contention on a shared machine only ever makes figures worse. */
function bestOf(a: SystemResult | undefined, b: SystemResult): SystemResult {
  if (!a) return b
  const min = (x: number | undefined, y: number | undefined) =>
    x === undefined ? y : y === undefined ? x : Math.min(x, y)
  return {
    uploadSeconds: Math.min(a.uploadSeconds, b.uploadSeconds),
    lastToComplete: min(a.lastToComplete, b.lastToComplete),
    firstToComplete: min(a.firstToComplete, b.firstToComplete),
    cpuSeconds: Math.min(a.cpuSeconds, b.cpuSeconds),
    peakRss: Math.min(a.peakRss, b.peakRss),
    retries: a.retries + b.retries,
    check: a.check === b.check ? a.check : `${a.check}/${b.check}`,
  }
}

async function systemRun(options: {
  file: DataFile
  handle: FileHandle
  c: number
  uploads: { url: string; pid: number }
  sessions: SessionsClient | undefined
  tokenKeys: ReturnType<typeof parseUploadTokenKeys>
  s3: S3Client
  bucket: string
  chunkPrefix: string
}): Promise<SystemResult> {
  const { file, c, uploads, sessions } = options
  const userId = `bench-${randomUUID()}`
  let uploadId: string
  let token: string
  if (sessions) {
    const created = await call<CreateUploadResponse__Output>((o, cb) =>
      sessions.CreateUpload(
        {
          caller: { userId, isAdmin: false },
          fileName: `bench-${file.size}.bin`,
          fileSize: file.size,
          contentType: 'application/octet-stream',
        },
        o,
        cb,
      ),
    )
    const started = created.upload
    if (!started?.session || !started.uploadToken) throw new Error('CreateUpload did not start an upload')
    if (Number(started.session.chunkSize) !== file.plan.chunkSize) {
      throw new Error(
        `sessions chose chunk size ${started.session.chunkSize}, the bench planned ${file.plan.chunkSize}`,
      )
    }
    uploadId = started.session.uploadId
    token = started.uploadToken.token
  } else {
    uploadId = randomUUID()
    token = (await signUploadToken(options.tokenKeys, { userId, uploadId, ...file.plan }, 3600)).token
  }

  const agent = new Agent({ keepAlive: true, maxSockets: c })
  resetPeakRss(uploads.pid)
  const cpuBefore = cpuSecondsOf(uploads.pid)
  let retries = 0
  const first = now()
  let last201 = first
  await forEachChunk(file, options.handle, c, async (index, body) => {
    const digest = file.digests[index]?.header ?? ''
    for (;;) {
      const res = await putChunk(
        agent,
        `${uploads.url}/api/v1/uploads/${uploadId}/chunks/${index}`,
        token,
        body,
        digest,
      )
      if (res.status === 201) break
      if (res.status !== 503) throw new Error(`chunk ${index}: HTTP ${res.status}`)
      retries += 1
      await new Promise((r) => setTimeout(r, res.retryAfter * 1000))
    }
    last201 = Math.max(last201, now())
  })
  const uploadSeconds = last201 - first
  const cpuSeconds = cpuSecondsOf(uploads.pid) - cpuBefore
  const peakRss = peakRssMiB(uploads.pid)
  agent.destroy()

  if (!sessions) {
    await deletePrefix(options.s3, options.bucket, `${options.chunkPrefix}${uploadId}/`)
    return {
      uploadSeconds,
      lastToComplete: undefined,
      firstToComplete: undefined,
      cpuSeconds,
      peakRss,
      retries,
      check: '-',
    }
  }
  let completedAt: number | undefined
  let fileId: string | undefined
  for (;;) {
    const session = await call<UploadSession__Output>((o, cb) =>
      sessions.GetUpload(
        {
          caller: { userId, isAdmin: false },
          uploadId,
        },
        o,
        cb,
      ),
    )
    if (session.status === 'UPLOAD_STATUS_COMPLETE') {
      completedAt = now()
      fileId = session.fileId ?? undefined
      break
    }
    if (session.status === 'UPLOAD_STATUS_FAILED' || now() - last201 > 300) {
      throw new Error(`upload ${uploadId} ended ${session.status}: ${session.failureReason ?? 'timed out'}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  let check = '?'
  if (fileId) {
    const info = await call<FileInfo__Output>((o, cb) =>
      sessions.GetFile({ caller: { userId, isAdmin: false }, fileId }, o, cb),
    )
    check = String(info.integrityCheck).replace('INTEGRITY_CHECK_', '').toLowerCase()
    // Deleting the file drops the content-addressed object, so the next run is not deduplicated.
    await call<unknown>((o, cb) => sessions.DeleteFile({ caller: { userId, isAdmin: false }, fileId }, o, cb))
  }
  return {
    uploadSeconds,
    lastToComplete: completedAt - last201,
    firstToComplete: completedAt - first,
    cpuSeconds,
    peakRss,
    retries,
    check,
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

async function startEmulators(): Promise<{
  process: ManagedProcess
  env: Record<string, string>
  pid: number
}> {
  let resolveLine: (line: string) => void = () => {}
  const firstJson = new Promise<string>((resolve) => {
    resolveLine = resolve
  })
  const child = spawnManaged('stack', process.execPath, [join(import.meta.dirname, 'stackProcess.ts')], {
    cwd: repoRoot,
    onLine: (line) => {
      if (line.startsWith('{')) resolveLine(line)
    },
  })
  const line = await Promise.race([
    firstJson,
    child.exited.then((code) => {
      throw new Error(`the stack process exited (${code}):\n${child.output()}`)
    }),
  ])
  const parsed = JSON.parse(line) as { env: Record<string, string>; pid: number }
  return { process: child, env: parsed.env, pid: parsed.pid }
}

async function startUploads(env: Record<string, string>, extra: Record<string, string>) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawnManaged(
    'uploads',
    process.execPath,
    // As the package's start script runs it.
    ['--max-semi-space-size=1', join(repoRoot, 'services/uploads/src/server.ts')],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...env, UPLOADS_PORT: String(port), LOG_LEVEL: 'warn', ...extra },
    },
  )
  await waitUntilReady(
    'uploads service',
    async () => {
      const res = await fetch(`${url}/health/ready`)
      return res.status === 200
    },
    { timeoutMs: 30_000, process: child },
  )
  return { process: child, url, pid: child.child.pid ?? 0 }
}

async function startSessions(env: Record<string, string>, uploadsUrl: string) {
  const entry = join(repoRoot, 'services/sessions/src/server.ts')
  if (!existsSync(entry)) return { reason: 'services/sessions/src/server.ts does not exist yet' }
  const port = await freePort()
  const child = spawnManaged('sessions', process.execPath, [entry], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      ...env,
      SESSIONS_GRPC_PORT: String(port),
      UPLOADS_PUBLIC_URL: uploadsUrl,
      LOG_LEVEL: 'warn',
    },
  })
  try {
    await waitUntilReady('sessions service', () => portInUse(port), { timeoutMs: 60_000, process: child })
  } catch (err) {
    await child.stop()
    return { reason: `the sessions service did not start: ${String(err).slice(0, 400)}` }
  }
  return { process: child, client: createSessionsClient(`127.0.0.1:${port}`) }
}

// ---------------------------------------------------------------------------------------------
// Main

interface Row {
  sizeMiB: number
  c: number
  u: number
  f: { total: number; complete: number }
  systems: { mode: string; result: SystemResult }[]
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? 'n/m' : value.toFixed(digits)
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join(' | ')
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n')
}

async function main() {
  const loadBefore = loadavg()[0] ?? 0
  const files = []
  for (const size of sizesMiB) files.push(await prepareFile(size))

  const tokenKeysText = `bench1:${randomBytes(24).toString('hex')}`
  const tokenKeys = parseUploadTokenKeys(tokenKeysText)
  const children: ManagedProcess[] = []
  const rows: Row[] = []
  let sessionsNote = ''
  let idleRss = ''
  const spoolDir = join(dataDir, `spool-${randomUUID()}`)
  try {
    log('starting emulators')
    const emulators = await startEmulators()
    children.push(emulators.process)
    const env: Record<string, string> = {
      ...emulators.env,
      UPLOAD_TOKEN_KEYS: tokenKeysText,
      WEB_ORIGIN: 'http://127.0.0.1:5173',
    }
    const bucket = env.S3_BUCKET ?? ''
    const chunkPrefix = env.S3_CHUNK_PREFIX ?? 'chunks/'
    const s3 = createS3Client(
      { ...env, AWS_REGION: env.AWS_REGION ?? 'us-east-1' },
      { maxSockets: Math.max(...concurrencies, COPY_CONCURRENCY) + 4 },
    )

    log('starting uploads services')
    const spool = { UPLOADS_SPOOL_DIR: spoolDir }
    const buffered = await startUploads(env, spool)
    children.push(buffered.process)
    const modes: { mode: string; service: { url: string; pid: number } }[] = [
      { mode: 'default (memory-then-disk)', service: buffered },
    ]
    for (const [mode, extra] of [
      ['memory', { UPLOADS_RECEIVE_MODE: 'memory', UPLOADS_MAX_INFLIGHT_BYTES: String(128 * MiB) }],
      ['disk', { UPLOADS_RECEIVE_MODE: 'disk' }],
    ] as const) {
      const service = await startUploads(env, { ...spool, ...extra })
      children.push(service.process)
      modes.push({ mode, service })
    }
    if (!args['no-staged']) {
      const staged = await startUploads(env, { ...spool, UPLOADS_MAX_BUFFERED_CHUNK_BYTES: '0' })
      children.push(staged.process)
      modes.push({ mode: 'staged', service: staged })
    }

    // Idle RSS before any chunk: what the process costs without chunk buffers.
    idleRss = modes.map(({ mode, service }) => `${mode} ${fmt(rssMiB(service.pid), 0)} MiB`).join(', ')
    const firstFile = files[0]
    if (firstFile) {
      // Warm-up (untimed): JIT, connection pools and buffer pools, so the first measured run is not
      // penalised for being first.
      log('warming up the uploads services')
      const handle = await open(firstFile.path)
      for (const { service } of modes) {
        await systemRun({
          file: firstFile,
          handle,
          c: Math.max(...concurrencies),
          uploads: service,
          sessions: undefined,
          tokenKeys,
          s3,
          bucket,
          chunkPrefix,
        })
      }
      await handle.close()
    }

    log('starting sessions service')
    const sessions = await startSessions(env, buffered.url)
    let client: SessionsClient | undefined
    if ('client' in sessions && sessions.client) {
      children.push(sessions.process)
      client = sessions.client
    } else {
      sessionsNote = `sessions part NOT measured: ${sessions.reason}`
      log(sessionsNote)
    }

    for (const file of files) {
      const handle = await open(file.path)
      const sizeMiB = file.size / MiB
      for (const c of concurrencies) {
        let u = Number.POSITIVE_INFINITY
        let f = { total: Number.POSITIVE_INFINITY, complete: Number.POSITIVE_INFINITY }
        const best = new Map<string, SystemResult>()
        for (let round = 1; round <= repeat; round++) {
          const run = randomUUID().slice(0, 8)
          log(`${sizeMiB} MiB, concurrency ${c}, round ${round}/${repeat}: ceilings U and F`)
          u = Math.min(u, await ceilingU(s3, bucket, file, handle, c, `bench-u/${run}/`))
          const assembled = await ceilingF(s3, bucket, file, `bench-u/${run}/`, `bench-f/${run}`)
          f = {
            total: Math.min(f.total, assembled.total),
            complete: Math.min(f.complete, assembled.complete),
          }
          await deletePrefix(s3, bucket, `bench-u/${run}/`)
          await deletePrefix(s3, bucket, `bench-f/${run}`)
          for (const { mode, service } of modes) {
            log(`${sizeMiB} MiB, concurrency ${c}, round ${round}/${repeat}: system (${mode})`)
            const result = await systemRun({
              file,
              handle,
              c,
              uploads: service,
              sessions: client,
              tokenKeys,
              s3,
              bucket,
              chunkPrefix,
            })
            best.set(mode, bestOf(best.get(mode), result))
          }
        }
        const systems: Row['systems'] = [...best].map(([mode, result]) => ({ mode, result }))
        rows.push({ sizeMiB, c, u, f, systems })
      }
      await handle.close()
    }
    client?.close()
    s3.destroy()
  } finally {
    for (const child of children.reverse()) await child.stop(10_000)
    rmSync(spoolDir, { recursive: true, force: true })
  }

  const ceilings = rows.map((r) => {
    const bytes = r.sizeMiB * MiB
    return [
      `${r.sizeMiB} MiB`,
      String(r.c),
      fmt(bytes / MB / r.u),
      fmt(r.u, 2),
      fmt(r.f.total, 2),
      fmt(r.f.complete, 2),
      fmt(bytes / MB / (r.u + r.f.total)),
    ]
  })
  const system = rows.flatMap((r) => {
    const bytes = r.sizeMiB * MiB
    const uMBs = bytes / MB / r.u
    const ufMBs = bytes / MB / (r.u + r.f.total)
    return r.systems.map(({ mode, result }) => {
      const upMBs = bytes / MB / result.uploadSeconds
      const e2eMBs = result.firstToComplete === undefined ? undefined : bytes / MB / result.firstToComplete
      return [
        `${r.sizeMiB} MiB`,
        String(r.c),
        mode,
        fmt(upMBs),
        `${fmt(upMBs / uMBs, 2)} (>=${TARGETS.uploadVsU})`,
        `${fmt(result.lastToComplete, 2)} (<=${fmt(r.f.complete + TARGETS.lastToCompleteOverComplete, 2)})`,
        fmt(e2eMBs),
        `${fmt(e2eMBs === undefined ? undefined : e2eMBs / ufMBs, 2)} (>=${TARGETS.firstToCompleteVsUF})`,
        `${fmt(result.cpuSeconds / (bytes / GiB), 2)} (<=${TARGETS.cpuPerGiB})`,
        `${fmt(result.peakRss, 0)} (<=${TARGETS.peakRssMiB})`,
        String(result.retries),
        result.check,
      ]
    })
  })
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / GiB)} GiB, Node ${process.versions.node}`
  console.log(`\nPipeline benchmark ${new Date().toISOString()} on ${machine}`)
  // The machine may be shared: a load average above the core count means the figures are low.
  console.log(`1-min load average: ${fmt(loadBefore, 2)} before, ${fmt(loadavg()[0], 2)} after`)
  console.log(
    `chunks ${files[0]?.plan.chunkSize ? files[0].plan.chunkSize / MiB : 8} MiB; MB = 10^6 bytes; n/m = not measured`,
  )
  console.log(`best of ${repeat} round(s) per figure`)
  if (sessionsNote) console.log(sessionsNote)
  console.log(`uploads service idle RSS after start: ${idleRss}`)
  console.log('\nCeilings (bench client straight to the emulator)')
  console.log(table(['file', 'conc', 'U MB/s', 'U s', 'F s', 'Complete s', 'U-then-F MB/s'], ceilings))
  console.log('\nSystem (client -> uploads service -> emulator -> sessions service), [target]')
  console.log(
    table(
      [
        'file',
        'conc',
        'uploads mode',
        'upload MB/s',
        'x U',
        'last 201 -> complete s',
        'first byte -> complete MB/s',
        'x U-then-F',
        'uploads CPU-s/GiB',
        'uploads peak RSS MiB',
        '503s',
        'check',
      ],
      system,
    ),
  )
  const resultsPath = join(dataDir, `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(resultsPath, JSON.stringify({ machine, sessionsNote, idleRss, rows }, null, 2))
  console.log(`\nraw figures: ${resultsPath}`)
}

await main()
