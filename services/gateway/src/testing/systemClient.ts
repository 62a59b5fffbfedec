import { connect } from 'node:net'
import { type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, expect } from 'vitest'
import type { FileRecord, Upload } from '../uploads/types.ts'
import { GOOD_PASSWORD, HttpBrowser, provisionGatewayStack, uniqueEmail } from './harness.ts'
import { type RunningSystem, startSystem } from './processes.ts'
import { chunksOf, contentHashOf, putChunk } from './uploading.ts'

// Steps of the public API as a client takes them, against a gateway of the running system.

/** A browser signed in to a fresh account (201) of the gateway at `gatewayUrl`. */
export async function signUp(gatewayUrl: string, email = uniqueEmail()): Promise<HttpBrowser> {
  const browser = new HttpBrowser(gatewayUrl)
  const reg = await browser.fetch('/api/v1/auth/register', {
    method: 'POST',
    body: { email, password: GOOD_PASSWORD },
  })
  expect(reg.status).toBe(201)
  return browser
}

export interface Created {
  result: 'created' | 'resumed'
  upload: Upload
  uploadToken: { token: string; expiresAt: string }
}

export async function createUpload(browser: HttpBrowser, bytes: Buffer, name = 'data.bin', withHash = true) {
  // The default chunk size is 8 MiB; the hash is computed over those chunks before creation.
  const res = await browser.fetch('/api/v1/uploads', {
    method: 'POST',
    body: {
      fileName: name,
      fileSize: bytes.length,
      contentType: 'application/octet-stream',
      ...(withHash ? { contentHash: contentHashOf(bytes, 8 * 1024 * 1024) } : {}),
    },
  })
  return res
}

export async function uploadAll(created: Created, bytes: Buffer) {
  const parts = chunksOf(bytes, created.upload.chunkSize)
  expect(parts).toHaveLength(created.upload.chunkCount)
  for (const [index, part] of parts.entries()) {
    const res = await putChunk(created.upload, created.uploadToken.token, index, part)
    expect(res.status).toBe(201)
  }
}

export async function waitComplete(browser: HttpBrowser, id: string): Promise<Upload> {
  return waitFor(
    async () => {
      const upload: Upload = await (await browser.fetch(`/api/v1/uploads/${id}`)).json()
      return upload.status === 'complete' ? upload : undefined
    },
    { timeoutMs: 30_000, what: `upload ${id} to complete` },
  )
}

export async function storedFile(browser: HttpBrowser, bytes: Buffer, name: string): Promise<FileRecord> {
  const created: Created = await (await createUpload(browser, bytes, name)).json()
  await uploadAll(created, bytes)
  const done = await waitComplete(browser, created.upload.id)
  return (await browser.fetch(`/api/v1/files/${done.fileId}`)).json()
}

/** Sends raw bytes and returns each HTTP response the server wrote before closing (Connection: close). */
export async function rawHttp(baseUrl: string, raw: string): Promise<string[]> {
  const { hostname, port } = new URL(baseUrl)
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw))
    const parts: Buffer[] = []
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')))
    socket.on('data', (d) => parts.push(d))
    socket.on('end', () => resolve(Buffer.concat(parts).toString('latin1')))
    socket.on('error', reject)
  })
  return text.split(/(?=HTTP\/1\.1 \d{3} )/).filter((part) => part.length > 0)
}

export async function download(browser: HttpBrowser, fileId: string) {
  const res = await browser.fetch(`/api/v1/files/${fileId}/download`)
  expect(res.status).toBe(302)
  const object = await fetch(res.headers.get('location') ?? '')
  return { object, bytes: Buffer.from(await object.arrayBuffer()) }
}

export interface GatewaySystemSuite {
  readonly stack: TestStack
  readonly system: RunningSystem
  /** Listed in ADMIN_EMAILS. */
  readonly admin: string
  /** A browser signed in to a fresh account. */
  signedIn(email?: string): Promise<HttpBrowser>
}

/**
 * The real system as processes for the system spec files (its own stack and redis-server; 12 upload
 * creations per user and window; GitHub configured but never contacted, since only /start is
 * exercised here and the provider flow is in oauth.e2e.spec.ts): started before the file's tests
 * and stopped after them.
 */
export function gatewaySystemSuite(label: string): GatewaySystemSuite {
  let stack: TestStack | undefined
  let system: RunningSystem | undefined
  const admin = uniqueEmail('root')
  beforeAll(async () => {
    stack = await provisionGatewayStack(label)
    system = await startSystem(stack, {
      ADMIN_EMAILS: admin,
      SSE_HEARTBEAT_SECONDS: '1',
      RATE_LIMIT_UPLOAD_CREATE_MAX: '12',
      RATE_LIMIT_UPLOAD_CREATE_WINDOW_SECONDS: '600',
      GITHUB_CLIENT_ID: 'gh-client',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      GITHUB_AUTHORIZE_URL: 'http://127.0.0.1:9/authorize',
    })
  })
  afterAll(async () => {
    await system?.stop()
    stack?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the system is not started yet')
    return value
  }
  return {
    get stack() {
      return started(stack)
    },
    get system() {
      return started(system)
    },
    admin,
    signedIn: (email) => signUp(started(system).gatewayUrl, email),
  }
}
