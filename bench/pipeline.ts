/**
 * Upload pipeline benchmark. Not a test: it prints numbers.
 *
 *   pnpm --filter @lfusys/bench bench:pipeline [--quick] [--repeat N] [--concurrency 4,8] [--sizes 256,1024] [--latency-runs 15] [--tus-only | --latency-only]
 *
 * Client (this process), uploads service, sessions service, the references and the emulators (a
 * devstack child, with the patched fauxqs) each run in their own process. For every file size and
 * concurrency it measures, side by side:
 *   U    the same chunks PUT straight to the emulator by this client (the upload ceiling);
 *   F    this client assembling those chunk objects like a finalizer (multipart + parallel
 *        UploadPartCopy + Complete), and the bare Complete;
 *   hop  the same chunks through a bare node:http process that hashes and streams to PutObject;
 *   the system: chunk PUTs through the uploads service, last chunk's 201 -> upload `complete`,
 *        first byte -> `complete`, the uploads service's CPU seconds and peak RSS;
 *   tus  @tus/server + @tus/s3-store with tus-js-client, 8 MiB PATCHes and one PATCH;
 *   lfusys tus  the same tus-js-client uploads to the gateway's /api/v1/tus/ (bearer access token),
 *        first byte -> the file exists (the same finalization as the native protocol);
 * and beside every row the emulator process's CPU seconds per GiB. Then, on the idle stack, the p50
 * of a 1 KiB file's CreateUpload -> `complete`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { Agent } from 'node:http'
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
import * as grpc from '@grpc/grpc-js'
import { createS3Client } from '@lfusys/aws'
import { CALLER_TOKEN_METADATA, callerAuthorization, parseCallerTokenKeys } from '@lfusys/caller-token'
import {
  type ChunkPlan,
  chunkLength,
  contentHashFromDigests,
  formatContentDigest,
  MiB,
  planChunks,
  toBase64,
  toHex,
} from '@lfusys/contracts'
import { freePort, type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import type {
  CreateUploadResponse__Output,
  FileInfo__Output,
  ListFilesResponse__Output,
  SessionsClient,
  UploadSession__Output,
} from '@lfusys/proto'
import { startStackProcess } from '@lfusys/testing/stackProcess'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import * as tusClient from 'tus-js-client'
import { percentile, startSessionsProcess, startUploadsProcess, table } from './benchKit.ts'
import { putChunk } from './chunkPut.ts'
import { cpuSecondsOf, peakRssMiB, resetPeakRss, rssMiB } from './procStats.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '4,8' },
    sizes: { type: 'string' },
    'latency-runs': { type: 'string', default: '15' },
    repeat: { type: 'string', default: '1' },
    /** Only the tus rows (the peer and lfusys's tus endpoint): skips the ceilings, the native path and the 1 KiB runs. */
    'tus-only': { type: 'boolean', default: false },
    /** Only the 1 KiB creation -> complete runs. */
    'latency-only': { type: 'boolean', default: false },
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
const latencyRuns = Math.max(1, Number(args['latency-runs']))
const tusOnly = args['tus-only']
const latencyOnly = args['latency-only']
const TARGETS = {
  uploadVsU: 0.65,
  cpuPerGiB: 2.0,
  peakRssMiB: 160,
  /** last 201 -> complete at most the bare Complete plus this many seconds. */
  lastToCompleteOverComplete: 0.5,
  firstToCompleteVsTus: 1.5,
  smallFileP50Ms: 300,
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

/** Caller-token keys the bench's sessions service trusts; each call is signed for its user, as the gateway does. */
const serviceKeysText = `bench1:${randomBytes(32).toString('base64url')}`
const serviceKeys = parseCallerTokenKeys(serviceKeysText)

async function call<Res>(
  who: { userId: string; isAdmin: boolean },
  invoke: (
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Res) => void,
  ) => unknown,
): Promise<Res> {
  const metadata = new grpc.Metadata()
  metadata.set(CALLER_TOKEN_METADATA, await callerAuthorization(serviceKeys, who))
  return new Promise((resolve, reject) => {
    invoke(metadata, { deadline: Date.now() + 30_000 }, (err, res) => {
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
  /** Emulator CPU seconds from the first chunk byte to `complete` (or the last 201). */
  emulatorCpuSeconds: number
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
    emulatorCpuSeconds: Math.min(a.emulatorCpuSeconds, b.emulatorCpuSeconds),
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
  emulatorPid: number
}): Promise<SystemResult> {
  const { file, c, uploads, sessions } = options
  const userId = `bench-${randomUUID()}`
  let uploadId: string
  let token: string
  if (sessions) {
    const contentHash = await contentHashFromDigests(file.digests.map((d) => d.sha256))
    const created = await call<CreateUploadResponse__Output>({ userId, isAdmin: false }, (md, o, cb) =>
      sessions.CreateUpload(
        {
          caller: { userId, isAdmin: false },
          fileName: `bench-${file.size}.bin`,
          fileSize: file.size,
          contentType: 'application/octet-stream',
          // Declared like the upload client does (it hashes first): chunks are then copied into
          // the multipart upload as their events arrive.
          contentHash,
        },
        md,
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
  const emulatorCpuBefore = cpuSecondsOf(options.emulatorPid)
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
        { digest },
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
      emulatorCpuSeconds: cpuSecondsOf(options.emulatorPid) - emulatorCpuBefore,
    }
  }
  let completedAt: number | undefined
  let fileId: string | undefined
  for (;;) {
    const session = await call<UploadSession__Output>({ userId, isAdmin: false }, (md, o, cb) =>
      sessions.GetUpload(
        {
          caller: { userId, isAdmin: false },
          uploadId,
        },
        md,
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
  const emulatorCpuSeconds = cpuSecondsOf(options.emulatorPid) - emulatorCpuBefore
  let check = '?'
  if (fileId) {
    const info = await call<FileInfo__Output>({ userId, isAdmin: false }, (md, o, cb) =>
      sessions.GetFile({ caller: { userId, isAdmin: false }, fileId }, md, o, cb),
    )
    check = String(info.integrityCheck).replace('INTEGRITY_CHECK_', '').toLowerCase()
    // Deleting the file drops the content-addressed object, so the next run is not deduplicated.
    await call<unknown>({ userId, isAdmin: false }, (md, o, cb) =>
      sessions.DeleteFile({ caller: { userId, isAdmin: false }, fileId }, md, o, cb),
    )
  }
  return {
    uploadSeconds,
    lastToComplete: completedAt - last201,
    firstToComplete: completedAt - first,
    cpuSeconds,
    peakRss,
    retries,
    check,
    emulatorCpuSeconds,
  }
}

// ---------------------------------------------------------------------------------------------
// References: the bare hashing hop and the tus peer

interface ReferenceResult {
  seconds: number
  cpuSeconds: number
  peakRss: number
  emulatorCpuSeconds: number
  /** lfusys tus: the last PATCH's answer -> the file exists (finalization after the bytes). */
  afterLastPatch?: number
}

function bestReference(a: ReferenceResult | undefined, b: ReferenceResult): ReferenceResult {
  if (!a) return b
  return {
    seconds: Math.min(a.seconds, b.seconds),
    cpuSeconds: Math.min(a.cpuSeconds, b.cpuSeconds),
    peakRss: Math.min(a.peakRss, b.peakRss),
    emulatorCpuSeconds: Math.min(a.emulatorCpuSeconds, b.emulatorCpuSeconds),
    ...(a.afterLastPatch !== undefined && b.afterLastPatch !== undefined
      ? { afterLastPatch: Math.min(a.afterLastPatch, b.afterLastPatch) }
      : {}),
  }
}

/** The same chunk PUTs as the system run, to the bare hop (first byte -> last 201). */
async function hopRun(options: {
  file: DataFile
  handle: FileHandle
  c: number
  hop: { url: string; pid: number }
  s3: S3Client
  bucket: string
  emulatorPid: number
}): Promise<ReferenceResult> {
  const { file, c, hop } = options
  const prefix = `bench-hop/${randomUUID().slice(0, 8)}/`
  const agent = new Agent({ keepAlive: true, maxSockets: c })
  resetPeakRss(hop.pid)
  const cpuBefore = cpuSecondsOf(hop.pid)
  const emulatorCpuBefore = cpuSecondsOf(options.emulatorPid)
  const started = now()
  await forEachChunk(file, options.handle, c, async (index, body) => {
    const key = encodeURIComponent(`${prefix}${String(index).padStart(5, '0')}`)
    const res = await putChunk(agent, `${hop.url}/${key}`, '-', body, {
      digest: file.digests[index]?.header ?? '',
    })
    if (res.status !== 201) throw new Error(`bare hop chunk ${index}: HTTP ${res.status}`)
  })
  const result = {
    seconds: now() - started,
    cpuSeconds: cpuSecondsOf(hop.pid) - cpuBefore,
    peakRss: peakRssMiB(hop.pid),
    emulatorCpuSeconds: cpuSecondsOf(options.emulatorPid) - emulatorCpuBefore,
  }
  agent.destroy()
  await deletePrefix(options.s3, options.bucket, prefix)
  return result
}

/**
 * One tus upload of the whole file with tus-js-client (creation -> last PATCH; @tus/s3-store
 * completes the multipart upload before answering the last PATCH, so that is `complete`).
 */
async function tusRun(options: {
  file: DataFile
  tus: { url: string; pid: number }
  patchBytes: number
  emulatorPid: number
}): Promise<ReferenceResult> {
  const { file, tus } = options
  const onePatch = options.patchBytes >= file.size
  // One PATCH needs the file as one buffer (tus-js-client reads a stream in chunkSize pieces).
  const source = onePatch ? readFileSync(file.path) : createReadStream(file.path)
  resetPeakRss(tus.pid)
  const cpuBefore = cpuSecondsOf(tus.pid)
  const emulatorCpuBefore = cpuSecondsOf(options.emulatorPid)
  const started = now()
  await new Promise<void>((resolve, reject) => {
    const upload = new tusClient.Upload(source as never, {
      endpoint: `${tus.url}/files`,
      uploadSize: file.size,
      chunkSize: onePatch ? Number.POSITIVE_INFINITY : options.patchBytes,
      retryDelays: null,
      storeFingerprintForResuming: false,
      metadata: { filename: `bench-${file.size}.bin` },
      onSuccess: () => resolve(),
      onError: reject,
    })
    upload.start()
  })
  return {
    seconds: now() - started,
    cpuSeconds: cpuSecondsOf(tus.pid) - cpuBefore,
    peakRss: peakRssMiB(tus.pid),
    emulatorCpuSeconds: cpuSecondsOf(options.emulatorPid) - emulatorCpuBefore,
  }
}

/** A user of the bench's gateway: registered once, signed in again before every tus run. */
interface GatewayUser {
  email: string
  password: string
  userId: string
}

async function registerGatewayUser(gatewayUrl: string): Promise<GatewayUser> {
  const email = `bench-${randomUUID().slice(0, 8)}@example.test`
  const password = randomBytes(18).toString('base64url')
  const res = await fetch(`${gatewayUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Bench' }),
  })
  const body = (await res.json()) as { user?: { id?: string } }
  if (res.status !== 201 || !body.user?.id)
    throw new Error(`register: HTTP ${res.status} ${JSON.stringify(body)}`)
  return { email, password, userId: body.user.id }
}

/** A fresh access token (the access cookie's value, sent as a bearer token as non-browser clients do). */
async function accessToken(gatewayUrl: string, user: GatewayUser): Promise<string> {
  const res = await fetch(`${gatewayUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  })
  await res.body?.cancel()
  for (const cookie of res.headers.getSetCookie()) {
    const match = /^(?:__Host-)?lfusys_access=([^;]+)/.exec(cookie)
    if (match?.[1]) return decodeURIComponent(match[1])
  }
  throw new Error(`login: HTTP ${res.status}, no access cookie`)
}

/**
 * One tus-js-client upload of the whole file to the gateway's tus endpoint, timed from the first
 * byte (the creation POST) until the file exists (ListFiles on the sessions service, which no cache
 * sits in front of). The file is deleted afterwards so the next run is not deduplicated. The CPU is
 * that of every lfusys process (gateway, uploads, sessions): they share what @tus/server does alone.
 */
async function lfusysTusRun(options: {
  file: DataFile
  gatewayUrl: string
  user: GatewayUser
  sessions: SessionsClient
  pids: number[]
  patchBytes: number
  emulatorPid: number
}): Promise<ReferenceResult> {
  const { file, user, sessions } = options
  const onePatch = options.patchBytes >= file.size
  const source = onePatch ? readFileSync(file.path) : createReadStream(file.path)
  const token = await accessToken(options.gatewayUrl, user)
  const caller = { userId: user.userId, isAdmin: false }
  const name = `bench-tus-${randomUUID().slice(0, 8)}.bin`
  const cpu = () => options.pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0)
  for (const pid of options.pids) resetPeakRss(pid)
  const cpuBefore = cpu()
  const emulatorCpuBefore = cpuSecondsOf(options.emulatorPid)
  const started = now()
  await new Promise<void>((resolve, reject) => {
    const upload = new tusClient.Upload(source as never, {
      endpoint: `${options.gatewayUrl}/api/v1/tus/`,
      uploadSize: file.size,
      chunkSize: onePatch ? Number.POSITIVE_INFINITY : options.patchBytes,
      retryDelays: null,
      storeFingerprintForResuming: false,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: name, filetype: 'application/octet-stream' },
      onSuccess: () => resolve(),
      onError: reject,
    })
    upload.start()
  })
  const lastPatch = now()
  let fileId: string | undefined
  while (!fileId) {
    const listed = await call<ListFilesResponse__Output>(caller, (md, o, cb) =>
      sessions.ListFiles({ caller, limit: 200 }, md, o, cb),
    )
    fileId = listed.files.find((f) => f.name === name)?.fileId
    if (fileId) break
    if (now() - lastPatch > 300)
      throw new Error(`lfusys tus upload ${name}: no file 300 s after the last PATCH`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const done = now()
  const result = {
    seconds: done - started,
    afterLastPatch: done - lastPatch,
    cpuSeconds: cpu() - cpuBefore,
    peakRss: Math.max(...options.pids.map((pid) => peakRssMiB(pid))),
    emulatorCpuSeconds: cpuSecondsOf(options.emulatorPid) - emulatorCpuBefore,
  }
  await call<unknown>(caller, (md, o, cb) => sessions.DeleteFile({ caller, fileId }, md, o, cb))
  return result
}

/** CreateUpload -> one 1 KiB chunk -> `complete`, sequentially, on the otherwise idle stack. */
async function smallFileLatencies(options: {
  runs: number
  uploadsUrl: string
  sessions: SessionsClient
}): Promise<number[]> {
  const { sessions } = options
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const userId = `bench-small-${randomUUID()}`
  const caller = { userId, isAdmin: false }
  const latencies: number[] = []
  for (let run = 0; run < options.runs; run++) {
    const body = randomBytes(1024)
    const sha256 = createHash('sha256').update(body).digest()
    const digest = formatContentDigest(sha256)
    const contentHash = await contentHashFromDigests([sha256])
    const started = now()
    const created = await call<CreateUploadResponse__Output>(caller, (md, o, cb) =>
      sessions.CreateUpload(
        {
          caller,
          fileName: `small-${run}.bin`,
          fileSize: body.length,
          contentType: 'application/octet-stream',
          contentHash,
        },
        md,
        o,
        cb,
      ),
    )
    const session = created.upload?.session
    const token = created.upload?.uploadToken?.token
    if (!session || !token) throw new Error('CreateUpload did not start an upload')
    const res = await putChunk(
      agent,
      `${options.uploadsUrl}/api/v1/uploads/${session.uploadId}/chunks/0`,
      token,
      body,
      { digest },
    )
    if (res.status !== 201) throw new Error(`1 KiB chunk: HTTP ${res.status}`)
    let fileId: string | undefined
    for (;;) {
      const current = await call<UploadSession__Output>(caller, (md, o, cb) =>
        sessions.GetUpload({ caller, uploadId: session.uploadId }, md, o, cb),
      )
      if (current.status === 'UPLOAD_STATUS_COMPLETE') {
        fileId = current.fileId ?? undefined
        break
      }
      if (current.status === 'UPLOAD_STATUS_FAILED' || now() - started > 60) {
        throw new Error(`1 KiB upload ended ${current.status}: ${current.failureReason ?? 'timed out'}`)
      }
      await new Promise((r) => setTimeout(r, 2))
    }
    latencies.push((now() - started) * 1000)
    if (fileId) await call<unknown>(caller, (md, o, cb) => sessions.DeleteFile({ caller, fileId }, md, o, cb))
  }
  agent.destroy()
  return latencies
}

// ---------------------------------------------------------------------------------------------
// Processes

/** A reference server (bench/*.ts) that prints `{"port": N}` once listening. */
async function startReference(name: string, script: string, env: Record<string, string>) {
  let resolveLine: (line: string) => void = () => {}
  const firstJson = new Promise<string>((resolve) => {
    resolveLine = resolve
  })
  const child = spawnManaged(name, process.execPath, [join(import.meta.dirname, script)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...env },
    onLine: (line) => {
      if (line.startsWith('{')) resolveLine(line)
    },
  })
  const line = await Promise.race([
    firstJson,
    child.exited.then((code) => {
      throw new Error(`${name} exited (${code}):\n${child.output()}`)
    }),
  ])
  const { port } = JSON.parse(line) as { port: number }
  return { process: child, url: `http://127.0.0.1:${port}`, pid: child.child.pid ?? 0 }
}

/** The gateway in front of the bench's sessions service: the tus endpoint lives there. */
async function startGateway(env: Record<string, string>, sessionsPort: number) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawnManaged(
    'gateway',
    process.execPath,
    [join(repoRoot, 'services/gateway/src/server.ts')],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        ...env,
        GATEWAY_PORT: String(port),
        GATEWAY_PUBLIC_URL: url,
        SESSIONS_GRPC_URL: `127.0.0.1:${sessionsPort}`,
        AUTH_TOKEN_KEYS: `bench1:${randomBytes(32).toString('base64url')}`,
        LOG_LEVEL: 'warn',
      },
    },
  )
  await waitUntilReady(
    'gateway',
    async () => {
      const res = await fetch(`${url}/health/ready`)
      return res.status === 200
    },
    { timeoutMs: 60_000, process: child },
  )
  return { process: child, url, pid: child.child.pid ?? 0 }
}

/** Whether the gateway answers tus discovery (OPTIONS with Tus-Version) on /api/v1/tus/. */
async function hasTusEndpoint(gatewayUrl: string): Promise<boolean> {
  const res = await fetch(`${gatewayUrl}/api/v1/tus/`, {
    method: 'OPTIONS',
    headers: { 'tus-resumable': '1.0.0' },
  })
  await res.body?.cancel()
  return res.ok && (res.headers.get('tus-version') ?? '').includes('1.0.0')
}

// ---------------------------------------------------------------------------------------------
// Main

interface Row {
  sizeMiB: number
  c: number
  u: number
  uEmulatorCpu: number
  f: { total: number; complete: number; emulatorCpu: number }
  hop: ReferenceResult
  system: SystemResult
}

interface TusRow {
  sizeMiB: number
  variant: string
  result: ReferenceResult
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? 'n/m' : value.toFixed(digits)
}

async function main() {
  const loadBefore = loadavg()[0] ?? 0
  const files = []
  for (const size of latencyOnly ? [] : sizesMiB) files.push(await prepareFile(size))

  const tokenKeysText = `bench1:${randomBytes(24).toString('hex')}`
  const tokenKeys = parseUploadTokenKeys(tokenKeysText)
  const children: ManagedProcess[] = []
  const rows: Row[] = []
  const tusRows: TusRow[] = []
  const lfusysTusRows: TusRow[] = []
  let lfusysTusNote = ''
  let sessionsNote = ''
  let idleRss = ''
  let latencies: number[] = []
  let loadAtLatency = 0
  try {
    log('starting emulators')
    // In their own process, so the emulators' CPU seconds are measured apart from the bench's.
    const emulators = await startStackProcess('bench')
    children.push(emulators.process)
    const emulatorPid = emulators.pid
    const env: Record<string, string> = {
      ...emulators.env,
      UPLOAD_TOKEN_KEYS: tokenKeysText,
      SERVICE_TOKEN_KEYS: serviceKeysText,
      WEB_ORIGIN: 'http://127.0.0.1:5173',
    }
    const bucket = env.S3_BUCKET ?? ''
    const chunkPrefix = env.S3_CHUNK_PREFIX ?? 'chunks/'
    const s3 = createS3Client(
      { ...env, AWS_REGION: env.AWS_REGION ?? 'us-east-1' },
      { maxSockets: Math.max(...concurrencies, COPY_CONCURRENCY) + 4 },
    )

    log('starting the uploads service, the bare hop and the tus server')
    const uploads = await startUploadsProcess(env)
    children.push(uploads.process)
    const hop = await startReference('bare-hop', 'bareHop.ts', env)
    children.push(hop.process)
    const tus = await startReference('tus', 'tusServer.ts', env)
    children.push(tus.process)

    // Idle RSS before any chunk: what the process costs at rest.
    idleRss = `${fmt(rssMiB(uploads.pid), 0)} MiB (bare hop ${fmt(rssMiB(hop.pid), 0)} MiB, tus ${fmt(rssMiB(tus.pid), 0)} MiB)`
    const firstFile = files[0]
    if (firstFile && !tusOnly && !latencyOnly) {
      // Warm-up (untimed): JIT and connection pools, so the first measured run is not penalised.
      log('warming up')
      const handle = await open(firstFile.path)
      const c = Math.max(...concurrencies)
      await systemRun({
        file: firstFile,
        handle,
        c,
        uploads,
        sessions: undefined,
        tokenKeys,
        s3,
        bucket,
        chunkPrefix,
        emulatorPid,
      })
      await hopRun({ file: firstFile, handle, c, hop, s3, bucket, emulatorPid })
      await handle.close()
    }

    log('starting sessions service')
    const sessions = await startSessionsProcess(env, uploads.url).catch((err: unknown) => ({
      reason: `the sessions service did not start: ${String(err).slice(0, 400)}`,
    }))
    let client: SessionsClient | undefined
    let gatewayTus: { url: string; user: GatewayUser; pids: number[] } | undefined
    if (!('reason' in sessions)) {
      children.push(sessions.process)
      client = sessions.client
      log('starting the gateway')
      const gateway = await startGateway(env, sessions.port)
      children.push(gateway.process)
      if (await hasTusEndpoint(gateway.url)) {
        gatewayTus = {
          url: gateway.url,
          user: await registerGatewayUser(gateway.url),
          pids: [gateway.pid, uploads.pid, sessions.process.child.pid ?? 0],
        }
      } else {
        lfusysTusNote = 'lfusys tus NOT measured: the gateway has no tus endpoint at /api/v1/tus/'
        log(lfusysTusNote)
      }
    } else {
      sessionsNote = `sessions part NOT measured: ${sessions.reason}`
      log(sessionsNote)
    }

    if (client && !tusOnly) {
      // First, while the stack is idle: small-file latency.
      log(`1 KiB creation -> complete, ${latencyRuns} runs`)
      loadAtLatency = loadavg()[0] ?? 0
      await smallFileLatencies({ runs: 2, uploadsUrl: uploads.url, sessions: client })
      latencies = await smallFileLatencies({ runs: latencyRuns, uploadsUrl: uploads.url, sessions: client })
    }

    for (const file of latencyOnly ? [] : files) {
      const handle = await open(file.path)
      const sizeMiB = file.size / MiB
      for (const c of tusOnly ? [] : concurrencies) {
        let u = Number.POSITIVE_INFINITY
        let uEmulatorCpu = Number.POSITIVE_INFINITY
        let f = {
          total: Number.POSITIVE_INFINITY,
          complete: Number.POSITIVE_INFINITY,
          emulatorCpu: Number.POSITIVE_INFINITY,
        }
        let hopBest: ReferenceResult | undefined
        let systemBest: SystemResult | undefined
        for (let round = 1; round <= repeat; round++) {
          const run = randomUUID().slice(0, 8)
          log(`${sizeMiB} MiB, concurrency ${c}, round ${round}/${repeat}: ceilings U and F`)
          let cpu = cpuSecondsOf(emulatorPid)
          u = Math.min(u, await ceilingU(s3, bucket, file, handle, c, `bench-u/${run}/`))
          uEmulatorCpu = Math.min(uEmulatorCpu, cpuSecondsOf(emulatorPid) - cpu)
          cpu = cpuSecondsOf(emulatorPid)
          const assembled = await ceilingF(s3, bucket, file, `bench-u/${run}/`, `bench-f/${run}`)
          f = {
            total: Math.min(f.total, assembled.total),
            complete: Math.min(f.complete, assembled.complete),
            emulatorCpu: Math.min(f.emulatorCpu, cpuSecondsOf(emulatorPid) - cpu),
          }
          await deletePrefix(s3, bucket, `bench-u/${run}/`)
          await deletePrefix(s3, bucket, `bench-f/${run}`)
          log(`${sizeMiB} MiB, concurrency ${c}, round ${round}/${repeat}: bare hop`)
          hopBest = bestReference(hopBest, await hopRun({ file, handle, c, hop, s3, bucket, emulatorPid }))
          log(`${sizeMiB} MiB, concurrency ${c}, round ${round}/${repeat}: system`)
          const result = await systemRun({
            file,
            handle,
            c,
            uploads,
            sessions: client,
            tokenKeys,
            s3,
            bucket,
            chunkPrefix,
            emulatorPid,
          })
          systemBest = bestOf(systemBest, result)
        }
        if (!hopBest || !systemBest) throw new Error('no rounds ran')
        rows.push({ sizeMiB, c, u, uEmulatorCpu, f, hop: hopBest, system: systemBest })
      }
      await handle.close()
      for (const [variant, patchBytes] of [
        ['8 MiB PATCHes', 8 * MiB],
        ['one PATCH', file.size],
      ] as const) {
        let best: ReferenceResult | undefined
        for (let round = 1; round <= repeat; round++) {
          log(`${sizeMiB} MiB, tus (${variant}), round ${round}/${repeat}`)
          best = bestReference(best, await tusRun({ file, tus, patchBytes, emulatorPid }))
        }
        if (best) tusRows.push({ sizeMiB, variant, result: best })
        if (!gatewayTus || !client) continue
        // The same client, file and PATCH size against lfusys, right after its peer.
        let ours: ReferenceResult | undefined
        for (let round = 1; round <= repeat; round++) {
          log(`${sizeMiB} MiB, lfusys tus (${variant}), round ${round}/${repeat}`)
          ours = bestReference(
            ours,
            await lfusysTusRun({
              file,
              gatewayUrl: gatewayTus.url,
              user: gatewayTus.user,
              sessions: client,
              pids: gatewayTus.pids,
              patchBytes,
              emulatorPid,
            }),
          )
        }
        if (ours) lfusysTusRows.push({ sizeMiB, variant, result: ours })
      }
    }
    client?.close()
    s3.destroy()
  } finally {
    for (const child of children.reverse()) await child.stop(10_000)
  }

  const perGiB = (seconds: number, sizeMiB: number) => fmt(seconds / ((sizeMiB * MiB) / GiB), 2)
  const mbps = (sizeMiB: number, seconds: number | undefined) =>
    seconds === undefined ? undefined : (sizeMiB * MiB) / MB / seconds
  const tusBest = (sizeMiB: number) =>
    Math.max(...tusRows.filter((t) => t.sizeMiB === sizeMiB).map((t) => mbps(sizeMiB, t.result.seconds) ?? 0))

  const ceilings = rows.map((r) => [
    `${r.sizeMiB} MiB`,
    String(r.c),
    fmt(mbps(r.sizeMiB, r.u)),
    perGiB(r.uEmulatorCpu, r.sizeMiB),
    fmt(r.f.total, 2),
    fmt(r.f.complete, 2),
    perGiB(r.f.emulatorCpu, r.sizeMiB),
  ])
  const upload = rows.flatMap((r) => {
    const u = mbps(r.sizeMiB, r.u) ?? 0
    const hopMBs = mbps(r.sizeMiB, r.hop.seconds) ?? 0
    const ours = mbps(r.sizeMiB, r.system.uploadSeconds) ?? 0
    return [
      [
        `${r.sizeMiB} MiB`,
        String(r.c),
        'bare hop',
        fmt(hopMBs),
        fmt(hopMBs / u, 2),
        '1.00',
        perGiB(r.hop.cpuSeconds, r.sizeMiB),
        fmt(r.hop.peakRss, 0),
        perGiB(r.hop.emulatorCpuSeconds, r.sizeMiB),
      ],
      [
        `${r.sizeMiB} MiB`,
        String(r.c),
        'lfusys uploads',
        fmt(ours),
        `${fmt(ours / u, 2)} (>=${TARGETS.uploadVsU})`,
        fmt(ours / hopMBs, 2),
        `${perGiB(r.system.cpuSeconds, r.sizeMiB)} (<=${TARGETS.cpuPerGiB})`,
        `${fmt(r.system.peakRss, 0)} (<=${TARGETS.peakRssMiB})`,
        perGiB(r.system.emulatorCpuSeconds, r.sizeMiB),
      ],
    ]
  })
  const endToEnd = [
    ...rows.map((r) => {
      const e2e = mbps(r.sizeMiB, r.system.firstToComplete)
      const peer = tusBest(r.sizeMiB)
      return [
        `${r.sizeMiB} MiB`,
        `lfusys, conc ${r.c}`,
        fmt(e2e),
        `${fmt(e2e === undefined || peer === 0 ? undefined : e2e / peer, 2)} (>=${TARGETS.firstToCompleteVsTus})`,
        `${fmt(r.system.lastToComplete, 2)} (<=${fmt(r.f.complete + TARGETS.lastToCompleteOverComplete, 2)})`,
        r.system.check,
        perGiB(r.system.cpuSeconds, r.sizeMiB),
        perGiB(r.system.emulatorCpuSeconds, r.sizeMiB),
        String(r.system.retries),
      ]
    }),
    ...tusRows.map((t) => [
      `${t.sizeMiB} MiB`,
      `tus, ${t.variant}`,
      fmt(mbps(t.sizeMiB, t.result.seconds)),
      '',
      '',
      '-',
      perGiB(t.result.cpuSeconds, t.sizeMiB),
      perGiB(t.result.emulatorCpuSeconds, t.sizeMiB),
      '',
    ]),
  ]
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / GiB)} GiB, Node ${process.versions.node}`
  console.log(`\nPipeline benchmark ${new Date().toISOString()} on ${machine}`)
  // The machine may be shared: a load average above the core count means the figures are low.
  console.log(`1-min load average: ${fmt(loadBefore, 2)} before, ${fmt(loadavg()[0], 2)} after`)
  console.log(
    `chunks ${files[0]?.plan.chunkSize ? files[0].plan.chunkSize / MiB : 8} MiB; MB = 10^6 bytes; n/m = not measured; emu = the emulator process (fauxqs)`,
  )
  console.log(`best of ${repeat} round(s) per figure`)
  if (sessionsNote) console.log(sessionsNote)
  console.log(`uploads service idle RSS after start: ${idleRss}`)
  if (latencies.length > 0) {
    console.log(
      `1 KiB file, CreateUpload -> complete over ${latencies.length} runs (load ${fmt(loadAtLatency, 2)}): p50 ${fmt(percentile(latencies, 50), 0)} ms (<=${TARGETS.smallFileP50Ms}), p90 ${fmt(percentile(latencies, 90), 0)} ms`,
    )
  }
  console.log('\nCeilings (bench client straight to the emulator)')
  console.log(
    table(['file', 'conc', 'U MB/s', 'emu CPU-s/GiB', 'F s', 'Complete s', 'F emu CPU-s/GiB'], ceilings),
  )
  console.log('\nChunk upload (first byte -> last 201), [target]')
  console.log(
    table(
      ['file', 'conc', 'path', 'MB/s', 'x U', 'x hop', 'CPU-s/GiB', 'peak RSS MiB', 'emu CPU-s/GiB'],
      upload,
    ),
  )
  console.log('\nEnd to end (first byte -> complete), [target]')
  console.log(
    table(
      [
        'file',
        'path',
        'MB/s',
        'x tus best',
        'last 201 -> complete s',
        'check',
        'server CPU-s/GiB',
        'emu CPU-s/GiB',
        '503s',
      ],
      endToEnd,
    ),
  )
  if (lfusysTusNote) console.log(`\n${lfusysTusNote}`)
  if (lfusysTusRows.length > 0) {
    const tusClients = tusRows.flatMap((peer) => {
      const ours = lfusysTusRows.find((t) => t.sizeMiB === peer.sizeMiB && t.variant === peer.variant)
      const peerMBs = mbps(peer.sizeMiB, peer.result.seconds) ?? 0
      const row = (path: string, r: ReferenceResult, ratio: string) => [
        `${peer.sizeMiB} MiB`,
        peer.variant,
        path,
        fmt(r.seconds, 2),
        r.afterLastPatch === undefined ? '-' : fmt(r.afterLastPatch, 2),
        fmt(mbps(peer.sizeMiB, r.seconds)),
        ratio,
        perGiB(r.cpuSeconds, peer.sizeMiB),
        fmt(r.peakRss, 0),
        perGiB(r.emulatorCpuSeconds, peer.sizeMiB),
      ]
      return [
        row('tus-js-client -> @tus/server (+ @tus/s3-store on the same emulator)', peer.result, '1.00'),
        ...(ours
          ? [
              row(
                'tus-js-client -> lfusys /api/v1/tus/',
                ours.result,
                `${fmt((mbps(peer.sizeMiB, ours.result.seconds) ?? 0) / peerMBs, 2)} (>=${TARGETS.firstToCompleteVsTus})`,
              ),
            ]
          : []),
      ]
    })
    console.log('\ntus clients (first byte -> complete; lfusys: until the file exists), [target]')
    console.log(
      table(
        [
          'file',
          'PATCH',
          'path',
          's',
          'last PATCH -> complete s',
          'MB/s',
          'x @tus/server',
          'server CPU-s/GiB',
          'peak RSS MiB',
          'emu CPU-s/GiB',
        ],
        tusClients,
      ),
    )
  }
  const resultsPath = join(dataDir, `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(
    resultsPath,
    JSON.stringify({ machine, sessionsNote, idleRss, latencies, rows, tusRows, lfusysTusRows }, null, 2),
  )
  console.log(`\nraw figures: ${resultsPath}`)
}

await main()
