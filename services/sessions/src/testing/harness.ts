import { createHash, randomBytes } from 'node:crypto'
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { Metadata } from '@grpc/grpc-js'
import { CALLER_TOKEN_METADATA, callerAuthorization, parseCallerTokenKeys } from '@lfusys/caller-token'
import { type ChunkPlan, chunkKey, chunkRange, contentHashFromDigests } from '@lfusys/contracts'
import { createLogger } from '@lfusys/logger'
import {
  type CreateUploadRequest,
  type CreateUploadResponse__Output,
  createSessionsClient,
  type FileInfo__Output,
  fromGrpcError,
  type SessionsClient,
  type UploadSession__Output,
} from '@lfusys/proto'
import { provisionTestStack, TEST_SERVICE_TOKEN_KEYS, type TestStack, waitFor } from '@lfusys/testing'
import { buildApp, listen, type SessionsApp } from '../app.ts'
import { loadSessionsConfig, type SessionsConfig } from '../config.ts'
import { createDeps, type SessionsDeps } from '../deps.ts'

export const TOKEN_KEYS = 'test1:0123456789abcdef0123456789abcdef-test'
/** The caller-token keys the tests sign with, as the gateway does. */
const serviceKeys = parseCallerTokenKeys(TEST_SERVICE_TOKEN_KEYS)

/** Metadata with a caller token for `who`, as the gateway sends on every call. */
export async function callerMetadata(who: { userId: string; isAdmin: boolean }): Promise<Metadata> {
  const md = new Metadata()
  md.set(CALLER_TOKEN_METADATA, await callerAuthorization(serviceKeys, who))
  return md
}
export const MiB = 1024 * 1024

export interface Harness {
  stack: TestStack
  config: SessionsConfig
  deps: SessionsDeps
  app: SessionsApp
  client: SessionsClient
  port: number
  close(): Promise<void>
}

/** What the helpers below need: the stack and a client of some sessions service. */
export type Ctx = Pick<Harness, 'stack' | 'client'>

/** Env for a sessions service on `stack`, with fast settings for tests. */
export function sessionsEnv(
  stack: TestStack,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ...stack.env,
    LOG_LEVEL: process.env.SESSIONS_TEST_LOG_LEVEL ?? 'warn',
    UPLOAD_TOKEN_KEYS: TOKEN_KEYS,
    SERVICE_TOKEN_KEYS: TEST_SERVICE_TOKEN_KEYS,
    SESSIONS_GRPC_PORT: '0',
    CHUNK_SIZE_BYTES: String(5 * MiB),
    CONSUMER_WORKERS: '2',
    CONSUMER_WAIT_SECONDS: '1',
    CONSUMER_VISIBILITY_TIMEOUT_SECONDS: '10',
    FINALIZE_LEASE_SECONDS: '5',
    WATCH_POLL_INTERVAL_MS: '200',
    ...overrides,
  }
}

/** An in-process sessions service (app + gRPC on 127.0.0.1:0 + consumer) on its own stack. */
export async function startHarness(
  label: string,
  overrides: Record<string, string> = {},
  options: { consumer?: boolean; stack?: TestStack } = {},
): Promise<Harness> {
  const stack = options.stack ?? (await provisionTestStack(label))
  const config = loadSessionsConfig(sessionsEnv(stack, overrides))
  const deps = createDeps(config, createLogger({ service: 'sessions-test', level: config.LOG_LEVEL }))
  const app = buildApp(config, deps)
  const port = await listen(app.server, '127.0.0.1', 0)
  if (options.consumer ?? true) app.consumer.start()
  const client = createSessionsClient(`127.0.0.1:${port}`)
  return {
    stack,
    config,
    deps,
    app,
    client,
    port,
    async close() {
      client.close()
      app.closeStreams()
      await app.consumer.stop()
      await new Promise<void>((resolve) => app.server.tryShutdown(() => resolve()))
      await deps.close()
      if (!options.stack) stack.close()
    },
  }
}

/** Promisified unary call that rethrows the AppError the server raised. */
export function call<Req, Res>(
  client: SessionsClient,
  method:
    | 'CreateUpload'
    | 'GetUpload'
    | 'ListUploads'
    | 'CancelUpload'
    | 'CompleteUpload'
    | 'RenewUploadToken'
    | 'ListFiles'
    | 'GetFile'
    | 'DeleteFile'
    | 'GetDownloadUrl',
  request: Req,
): Promise<Res> {
  // The caller the request names is who the token says; a request without one goes unauthenticated.
  const who = (request as { caller?: { userId: string; isAdmin: boolean } }).caller
  const metadata = who ? callerMetadata(who) : Promise.resolve(new Metadata())
  return metadata.then(
    (md) =>
      new Promise((resolve, reject) => {
        const fn = client[method].bind(client) as unknown as (
          req: Req,
          md: Metadata,
          cb: (err: Error | null, res?: Res) => void,
        ) => void
        fn(request, md, (err, res) => {
          if (err) reject(fromGrpcError(err))
          else if (res === undefined) reject(new Error('empty response'))
          else resolve(res)
        })
      }),
  )
}

export const caller = (userId: string, isAdmin = false) => ({ userId, isAdmin })

export interface TestFile {
  bytes: Buffer
  digests: Buffer[]
  contentHash: string
}

export async function makeFile(size: number, chunkSize: number): Promise<TestFile & { plan: ChunkPlan }> {
  const bytes = randomBytes(size)
  const chunkCount = Math.max(1, Math.ceil(size / chunkSize))
  const plan = { fileSize: size, chunkSize, chunkCount }
  const digests = Array.from({ length: chunkCount }, (_, i) => {
    const { start, end } = chunkRange(plan, i)
    return createHash('sha256').update(bytes.subarray(start, end)).digest()
  })
  return { bytes, digests, contentHash: await contentHashFromDigests(digests), plan }
}

export async function createUpload(
  h: Ctx,
  userId: string,
  file: { bytes: Buffer; contentHash?: string },
  extra: Partial<CreateUploadRequest> = {},
): Promise<CreateUploadResponse__Output> {
  return call(h.client, 'CreateUpload', {
    caller: caller(userId),
    fileName: 'data.bin',
    fileSize: file.bytes.length,
    contentType: 'application/octet-stream',
    ...(file.contentHash ? { contentHash: file.contentHash } : {}),
    ...extra,
  })
}

/**
 * Stores chunk `index` exactly as the uploads service does: PutObject to chunkKey with the chunk's
 * SHA-256 as ChecksumSHA256. The devstack forwards the object's creation to the queue.
 */
export async function putChunk(h: Ctx, session: UploadSession__Output, bytes: Buffer, index: number) {
  const { start, end } = chunkRange(
    { fileSize: session.fileSize, chunkSize: session.chunkSize, chunkCount: session.chunkCount },
    index,
  )
  const body = bytes.subarray(start, end)
  await h.stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: h.stack.resources.bucket,
      Key: chunkKey(h.stack.resources.chunkPrefix, session.uploadId, index),
      Body: body,
      ContentLength: body.length,
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
    }),
  )
}

export async function putChunks(h: Ctx, session: UploadSession__Output, bytes: Buffer, concurrency = 8) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, session.chunkCount) }, async () => {
      while (next < session.chunkCount) {
        const i = next++
        await putChunk(h, session, bytes, i)
      }
    }),
  )
}

export async function waitForStatus(
  h: Ctx,
  userId: string,
  uploadId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<UploadSession__Output> {
  return waitFor(
    async () => {
      const s = await call<unknown, UploadSession__Output>(h.client, 'GetUpload', {
        caller: caller(userId),
        uploadId,
      })
      if (s.status === 'UPLOAD_STATUS_FAILED' && status !== 'UPLOAD_STATUS_FAILED') {
        throw new Error(`upload failed: ${s.failureReason}`)
      }
      return s.status === status ? s : undefined
    },
    { timeoutMs, what: `upload ${uploadId} to be ${status}`, intervalMs: 50 },
  )
}

/**
 * Fetches a file through its presigned URL. fauxqs ignores response-content-disposition, so the
 * disposition is read from the signed URL (AWS echoes that parameter as the header).
 */
export async function download(
  h: Ctx,
  userId: string,
  fileId: string,
): Promise<{ bytes: Buffer; disposition: string | null }> {
  const out = await call<unknown, { url: string }>(h.client, 'GetDownloadUrl', {
    caller: caller(userId),
    fileId,
  })
  const res = await fetch(out.url)
  if (!res.ok) throw new Error(`download failed with ${res.status}`)
  return {
    bytes: Buffer.from(await res.arrayBuffer()),
    disposition: res.headers.get('content-disposition'),
  }
}

export async function listKeys(h: Ctx, prefix: string): Promise<string[]> {
  const out = await h.stack.clients.s3.send(
    new ListObjectsV2Command({ Bucket: h.stack.resources.bucket, Prefix: prefix }),
  )
  return (out.Contents ?? []).map((o) => o.Key ?? '')
}

export async function objectExists(h: Ctx, key: string): Promise<boolean> {
  try {
    await h.stack.clients.s3.send(new HeadObjectCommand({ Bucket: h.stack.resources.bucket, Key: key }))
    return true
  } catch {
    return false
  }
}

export async function sessionItem(h: Ctx, uploadId: string) {
  const out = await h.stack.clients.documents.send(
    new GetCommand({
      TableName: h.stack.resources.tables.uploads.name,
      Key: { pk: `UPLOAD#${uploadId}`, sk: 'SESSION' },
      ConsistentRead: true,
    }),
  )
  return out.Item
}

export async function filesItem(h: Ctx, pk: string, sk: string) {
  const out = await h.stack.clients.documents.send(
    new GetCommand({ TableName: h.stack.resources.tables.files.name, Key: { pk, sk }, ConsistentRead: true }),
  )
  return out.Item
}

export type { FileInfo__Output, UploadSession__Output }
