import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { decodeEventKey } from '@lfusys/aws'
import { formatContentDigest } from '@lfusys/contracts'
import { createLogger } from '@lfusys/logger'
import { provisionTestStack, type TestStack, waitFor } from '@lfusys/testing'
import { parseUploadTokenKeys, signUploadToken, type UploadTokenClaims } from '@lfusys/upload-token'
import { afterAll, beforeAll } from 'vitest'
import { buildApp, type UploadsApp } from '../app.ts'
import { loadUploadsConfig } from '../config.ts'
import { createDeps, type UploadsDeps } from '../deps.ts'

/** Shared set-up of the uploads service's e2e specs: a real service on fauxqs. */
export const KEYS = 'test1:uploads-e2e-secret-with-at-least-32-chars'
export const keys = parseUploadTokenKeys(KEYS)
export const WEB_ORIGIN = 'http://127.0.0.1:5173'
export const CHUNK = 256 * 1024

/** The spec file's stack (a live binding, set in its beforeAll). */
export let stack: TestStack

/** Provisions a stack for the calling spec file and tears it down after it. */
export function useChunkStack(name: string): void {
  beforeAll(async () => {
    stack = await provisionTestStack(name)
  })
  afterAll(() => stack?.close())
}

export interface Running {
  app: UploadsApp
  deps: UploadsDeps
  url: string
  close(): Promise<void>
}

export async function start(extra: Record<string, string> = {}): Promise<Running> {
  const config = loadUploadsConfig({
    ...stack.env,
    UPLOAD_TOKEN_KEYS: KEYS,
    WEB_ORIGIN,
    UPLOADS_PORT: '0',
    ...extra,
  })
  const deps = createDeps(config, { log: createLogger({ service: 'uploads', level: 'silent' }) })
  const app = await buildApp(config, deps)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    deps,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      await deps.close()
    },
  }
}

/** A fresh upload of `chunkCount` chunks (the last one `lastLength` bytes) and its token. */
export async function newUpload(
  chunkCount = 3,
  lastLength = 1000,
  claims: Partial<Pick<UploadTokenClaims, 'userId' | 'maxChunksInFlight'>> = {},
) {
  const uploadId = randomUUID()
  const fileSize = CHUNK * (chunkCount - 1) + lastLength
  const { token } = await signUploadToken(
    keys,
    { userId: 'user-1', uploadId, fileSize, chunkSize: CHUNK, chunkCount, ...claims },
    600,
  )
  return { uploadId, token, fileSize, chunkCount }
}

export function chunkHeaders(
  token: string,
  body: Uint8Array,
  digestOf: Uint8Array = body,
): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-digest': formatContentDigest(createHash('sha256').update(digestOf).digest()),
    'content-length': String(body.length),
    'content-type': 'application/octet-stream',
  }
}

export async function keysUnder(prefix: string): Promise<string[]> {
  const out = await stack.clients.s3.send(
    new ListObjectsV2Command({ Bucket: stack.resources.bucket, Prefix: prefix }),
  )
  return (out.Contents ?? []).map((o) => o.Key ?? '')
}

/** Every event key seen on the chunk queue (messages are deleted as they are read). */
const seenEventKeys: string[] = []
async function drainEvents(): Promise<void> {
  const out = await stack.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: stack.result.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  )
  for (const message of out.Messages ?? []) {
    const records = (JSON.parse(message.Body ?? '{}') as { Records?: { s3: { object: { key: string } } }[] })
      .Records
    for (const record of records ?? []) seenEventKeys.push(decodeEventKey(record.s3.object.key))
    await stack.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: stack.result.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    )
  }
}

/**
 * Proves an event did NOT happen: a sentinel chunk object is created afterwards and, once its event
 * has arrived, the events seen so far are complete enough to check.
 */
export async function eventsUntilSentinel(): Promise<string[]> {
  const sentinel = `${stack.resources.chunkPrefix}${randomUUID()}/00000`
  await stack.clients.s3.send(
    new PutObjectCommand({ Bucket: stack.resources.bucket, Key: sentinel, Body: randomBytes(10) }),
  )
  await waitFor(
    async () => {
      await drainEvents()
      return seenEventKeys.includes(sentinel)
    },
    { what: 'the sentinel chunk event', timeoutMs: 15_000 },
  )
  return [...seenEventKeys]
}

export function chunkPath(uploadId: string, index: number | string): string {
  return `/api/v1/uploads/${uploadId}/chunks/${index}`
}

/** A chunk request whose body the test sends piece by piece; `status` settles with the answer. */
export function openChunk(url: string, path: string, headers: Record<string, string>) {
  const req = request(`${url}${path}`, { method: 'PUT', headers, agent: false })
  const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        const parts: Buffer[] = []
        res.on('data', (piece: Buffer) => parts.push(piece))
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          })
        })
        res.on('error', reject)
      })
      // An answer may close the connection while the body is still being written.
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
      })
    },
  )
  req.flushHeaders()
  return { req, answer }
}
