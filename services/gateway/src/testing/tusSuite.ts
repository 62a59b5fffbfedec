import { randomBytes } from 'node:crypto'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { chunkUploadPrefix } from '@lfusys/contracts'
import { freePort } from '@lfusys/devstack'
import { type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, expect } from 'vitest'
import type { FileRecord, Upload } from '../uploads/types.ts'
import { GOOD_PASSWORD, HttpBrowser, provisionGatewayStack, uniqueEmail } from './harness.ts'
import { type RunningSystem, startSystem } from './processes.ts'

/** The tus specs' shared system (gateway, sessions, uploads as processes at 3 MiB chunks) and steps. */
export const MiB = 1024 * 1024
/** Smaller than the default 8 MiB so the PATCH sizes below cross several chunk boundaries. */
export const CHUNK = 3 * MiB

export interface User {
  browser: HttpBrowser
  token: string
}

export function tusSuite(name: string) {
  let stack: TestStack
  let system: RunningSystem
  // Known to the test, so a gateway built in the test process can call the same sessions service.
  let sessionsAddress = ''
  const serviceKeys = `svc1:${randomBytes(32).toString('base64url')}`

  beforeAll(async () => {
    stack = await provisionGatewayStack(name)
    const grpcPort = await freePort()
    sessionsAddress = `127.0.0.1:${grpcPort}`
    system = await startSystem(
      stack,
      {
        RATE_LIMIT_UPLOAD_CREATE_MAX: '100',
        TUS_LOCK_SECONDS: '10',
        SESSIONS_GRPC_URL: sessionsAddress,
        SERVICE_TOKEN_KEYS: serviceKeys,
      },
      {
        CHUNK_SIZE_BYTES: String(CHUNK),
        SWEEPER_INTERVAL_SECONDS: '1',
        SESSIONS_GRPC_PORT: String(grpcPort),
        SERVICE_TOKEN_KEYS: serviceKeys,
      },
    )
  })
  afterAll(async () => {
    await system?.stop()
    stack?.close()
  })

  async function signedIn(): Promise<User> {
    const browser = new HttpBrowser(system.gatewayUrl)
    const reg = await browser.fetch('/api/v1/auth/register', {
      method: 'POST',
      body: { email: uniqueEmail('tus'), password: GOOD_PASSWORD },
    })
    expect(reg.status).toBe(201)
    const token = browser.cookies.get('lfusys_access')?.value
    if (!token) throw new Error('no access cookie after registering')
    return { browser, token }
  }

  const errorOf = async (res: { json(): Promise<unknown> }) =>
    ((await res.json()) as { error: { code: string; message: string } }).error

  const b64 = (s: string) => Buffer.from(s).toString('base64')

  async function tus(
    user: User,
    path: string,
    init: { method: string; headers?: Record<string, string>; body?: Uint8Array },
  ): Promise<Response> {
    const url = path.startsWith('http') ? path : `${system.gatewayUrl}${path}`
    return fetch(url, {
      method: init.method,
      headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${user.token}`, ...init.headers },
      ...(init.body ? { body: init.body } : {}),
      signal: AbortSignal.timeout(60_000),
    })
  }

  async function create(user: User, size: number, name = 'data.bin', type = 'application/octet-stream') {
    const res = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: {
        'upload-length': String(size),
        'upload-metadata': `filename ${b64(name)},filetype ${b64(type)}`,
      },
    })
    expect(res.status).toBe(201)
    const location = res.headers.get('location') ?? ''
    expect(location).toMatch(/^\/api\/v1\/tus\/[0-9a-f-]{36}$/)
    return { location, id: location.split('/').pop() ?? '' }
  }

  async function patch(
    user: User,
    location: string,
    offset: number,
    body: Uint8Array,
    headers: Record<string, string> = {},
  ) {
    return tus(user, location, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
        ...headers,
      },
      body,
    })
  }

  async function offsetOf(user: User, location: string): Promise<number> {
    const res = await tus(user, location, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    return Number(res.headers.get('upload-offset'))
  }

  async function completed(user: User, id: string): Promise<Upload> {
    return waitFor(
      async () => {
        const upload: Upload = await (await user.browser.fetch(`/api/v1/uploads/${id}`)).json()
        if (upload.status === 'failed') throw new Error(`upload failed: ${upload.failureReason}`)
        return upload.status === 'complete' ? upload : undefined
      },
      { timeoutMs: 60_000, what: `upload ${id} to complete` },
    )
  }

  async function downloaded(user: User, fileId: string): Promise<Buffer> {
    const res = await user.browser.fetch(`/api/v1/files/${fileId}/download`)
    expect(res.status).toBe(302)
    const object = await fetch(res.headers.get('location') ?? '')
    return Buffer.from(await object.arrayBuffer())
  }

  async function listed(user: User, fileId: string): Promise<FileRecord | undefined> {
    const page: { files: FileRecord[] } = await (await user.browser.fetch('/api/v1/files?limit=50')).json()
    return page.files.find((f) => f.id === fileId)
  }

  async function objectsUnder(prefix: string): Promise<string[]> {
    const out = await stack.clients.s3.send(
      new ListObjectsV2Command({ Bucket: stack.resources.bucket, Prefix: prefix }),
    )
    return (out.Contents ?? []).map((o) => o.Key ?? '')
  }

  const chunkPrefix = (id: string) => chunkUploadPrefix(stack.env.S3_CHUNK_PREFIX ?? 'chunks/', id)
  const uploadsTable = () => stack.env.DYNAMODB_UPLOADS_TABLE ?? ''

  return {
    get stack() {
      return stack
    },
    get system() {
      return system
    },
    /** The sessions service's gRPC address and caller-token keys, for an in-process gateway. */
    get sessions() {
      return { address: sessionsAddress, serviceKeys }
    },
    signedIn,
    errorOf,
    b64,
    tus,
    create,
    patch,
    offsetOf,
    completed,
    downloaded,
    listed,
    objectsUnder,
    chunkPrefix,
    uploadsTable,
  }
}
