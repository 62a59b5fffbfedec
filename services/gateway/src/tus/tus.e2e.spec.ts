import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { chunkUploadPrefix } from '@lfusys/contracts'
import { type TestStack, waitFor } from '@lfusys/testing'
import { Upload as TusUpload } from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOOD_PASSWORD, HttpBrowser, provisionGatewayStack, uniqueEmail } from '../testing/harness.ts'
import { type RunningSystem, startSystem } from '../testing/processes.ts'
import { contentHashOf } from '../testing/uploading.ts'
import type { FileRecord, Upload } from '../uploads/types.ts'

const MiB = 1024 * 1024
/** Smaller than the default 8 MiB so the PATCH sizes below cross several chunk boundaries. */
const CHUNK = 3 * MiB

let stack: TestStack
let system: RunningSystem

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-tus')
  system = await startSystem(
    stack,
    { RATE_LIMIT_UPLOAD_CREATE_MAX: '100', TUS_LOCK_SECONDS: '10' },
    { CHUNK_SIZE_BYTES: String(CHUNK), SWEEPER_INTERVAL_SECONDS: '1' },
  )
})
afterAll(async () => {
  await system?.stop()
  stack?.close()
})

interface User {
  browser: HttpBrowser
  token: string
}

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

describe('tus 1.0 discovery and negotiation', () => {
  it('OPTIONS announces version, extensions, max size and checksum algorithms without auth', async () => {
    const res = await fetch(`${system.gatewayUrl}/api/v1/tus/`, { method: 'OPTIONS' })
    expect(res.status).toBe(204)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect(res.headers.get('tus-extension')).toBe(
      'creation,creation-with-upload,termination,expiration,checksum',
    )
    expect(Number(res.headers.get('tus-max-size'))).toBeGreaterThan(0)
    expect(res.headers.get('tus-checksum-algorithm')).toContain('sha256')
  })

  it('answers a CORS preflight from the web origin and exposes the tus headers', async () => {
    const res = await fetch(`${system.gatewayUrl}/api/v1/tus/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://web.test',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'upload-offset, tus-resumable',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://web.test')
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(res.headers.get('access-control-expose-headers')).toContain('Upload-Offset')
    const other = await fetch(`${system.gatewayUrl}/api/v1/tus/`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'PATCH' },
    })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuses another protocol version with 412 and Tus-Version, in the one error body', async () => {
    const user = await signedIn()
    const res = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: { 'tus-resumable': '0.2.2', 'upload-length': '10' },
    })
    expect(res.status).toBe(412)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect((await errorOf(res)).code).toBe('PRECONDITION_FAILED')
  })

  it('needs authentication, and the CSRF header when riding on the session cookie', async () => {
    const anonymous = await fetch(`${system.gatewayUrl}/api/v1/tus/`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    })
    expect(anonymous.status).toBe(401)
    const user = await signedIn()
    const headers = { 'tus-resumable': '1.0.0', 'upload-length': '10' }
    const noCsrf = await user.browser.fetch('/api/v1/tus/', { method: 'POST', headers, csrf: false })
    expect(noCsrf.status).toBe(403)
    expect((await noCsrf.json()).error.code).toBe('FORBIDDEN')
    const withCsrf = await user.browser.fetch('/api/v1/tus/', { method: 'POST', headers })
    expect(withCsrf.status).toBe(201)
  })

  it('validates Upload-Length and the file name from Upload-Metadata', async () => {
    const user = await signedIn()
    const noLength = await tus(user, '/api/v1/tus/', { method: 'POST' })
    expect(noLength.status).toBe(400)
    const badName = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: { 'upload-length': '5', 'upload-metadata': `filename ${b64('bell\u0007.txt')}` },
    })
    expect(badName.status).toBe(400)
    expect((await errorOf(badName)).message).toContain('filename')
    const badType = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: {
        'upload-length': '5',
        'upload-metadata': `filename ${b64('a.txt')},filetype ${b64('not a type')}`,
      },
    })
    expect(badType.status).toBe(400)
    expect((await errorOf(badType)).message).toContain('filetype')
  })
})

describe('tus uploads into the chunk pipeline', () => {
  it('PATCHes of 1 B, 5 MiB, 8 MiB + 1 and the rest become the same verified file', async () => {
    const user = await signedIn()
    const bytes = randomBytes(16 * MiB + 4321)
    const { location, id } = await create(user, bytes.length, 'pieces.bin')
    expect(await offsetOf(user, location)).toBe(0)
    const cuts = [1, 5 * MiB, 8 * MiB + 1]
    let at = 0
    for (const size of [...cuts, bytes.length - cuts.reduce((a, b) => a + b, 0)]) {
      const res = await patch(user, location, at, bytes.subarray(at, at + size))
      expect(res.status).toBe(204)
      at += size
      expect(Number(res.headers.get('upload-offset'))).toBe(at)
      expect(await offsetOf(user, location)).toBe(at)
    }
    const done = await completed(user, id)
    expect(done.contentHash).toBe(contentHashOf(bytes, CHUNK))
    const file = await waitFor(() => listed(user, done.fileId ?? ''), { what: 'the file in the list' })
    expect(file).toMatchObject({
      name: 'pieces.bin',
      size: bytes.length,
      contentHash: contentHashOf(bytes, CHUNK),
    })
    expect((await downloaded(user, file.id)).equals(bytes)).toBe(true)
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
  })

  it('creation-with-upload takes the whole file in the POST', async () => {
    const user = await signedIn()
    const bytes = randomBytes(4 * MiB + 3)
    const res = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: {
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${b64('whole.bin')}`,
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    })
    expect(res.status).toBe(201)
    expect(Number(res.headers.get('upload-offset'))).toBe(bytes.length)
    const id = (res.headers.get('location') ?? '').split('/').pop() ?? ''
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('tus-js-client uploads, is aborted mid-file, resumes from the server offset, byte-identical', async () => {
    const user = await signedIn()
    const bytes = randomBytes(11 * MiB + 777)
    const options = {
      endpoint: `${system.gatewayUrl}/api/v1/tus/`,
      headers: { authorization: `Bearer ${user.token}` },
      metadata: { filename: 'resumed.bin', filetype: 'application/x-test' },
      chunkSize: 2 * MiB + 5,
      retryDelays: [],
    }
    let url = ''
    // First run: stopped once about half the file is on the server.
    await new Promise<void>((resolve, reject) => {
      const first = new TusUpload(bytes, {
        ...options,
        onError: reject,
        onSuccess: () => reject(new Error('the first run should have been aborted')),
        onProgress: (sent) => {
          url = first.url ?? url
          if (sent >= 5 * MiB) first.abort().then(resolve, reject)
        },
      })
      first.start()
    })
    expect(url).toMatch(/\/api\/v1\/tus\/[0-9a-f-]{36}$/)
    const stopped = await offsetOf(user, url)
    expect(stopped).toBeGreaterThan(0)
    expect(stopped).toBeLessThan(bytes.length)

    let resumedFrom = -1
    const finalUrl = await new Promise<string>((resolve, reject) => {
      const second = new TusUpload(bytes, {
        ...options,
        uploadUrl: url,
        onError: reject,
        onProgress: (sent) => {
          if (resumedFrom < 0) resumedFrom = sent
        },
        onSuccess: () => resolve(second.url ?? ''),
      })
      second.start()
    })
    expect(finalUrl).toBe(url)
    // The second run started from the server's offset, not from 0.
    expect(resumedFrom).toBeGreaterThanOrEqual(stopped)
    const id = url.split('/').pop() ?? ''
    const done = await completed(user, id)
    expect(done).toMatchObject({ fileName: 'resumed.bin', contentType: 'application/x-test' })
    expect(done.contentHash).toBe(contentHashOf(bytes, CHUNK))
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('a PATCH cut off mid-body keeps every byte that arrived, and the next PATCH continues', async () => {
    const user = await signedIn()
    const bytes = randomBytes(4 * MiB + 999)
    const { location, id } = await create(user, bytes.length, 'cut.bin')
    const sent = CHUNK + 12_345
    const cut = httpRequest(new URL(location, system.gatewayUrl), {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(bytes.length),
      },
    })
    cut.on('error', () => undefined)
    // Part of the body, then the connection ends: the server sees a body shorter than announced.
    cut.write(bytes.subarray(0, sent), () => cut.socket?.end())
    // The gateway stores a chunk and a staging object after the cut: slow on a loaded machine.
    await waitFor(async () => (await offsetOf(user, location)) === sent, {
      timeoutMs: 60_000,
      what: 'the offset to reach the bytes sent before the cut',
    })
    // One whole chunk went to chunks/, the rest of what arrived waits in staging.
    expect(await objectsUnder(chunkPrefix(id))).toHaveLength(1)
    expect(await objectsUnder(`tus-staging/${id}/`)).toHaveLength(1)
    const res = await waitFor(
      async () => {
        const r = await patch(user, location, sent, bytes.subarray(sent))
        // The cut PATCH may still hold the lock for a moment.
        return r.status === 423 ? undefined : r
      },
      { what: 'the lock of the cut PATCH to be released' },
    )
    expect(res.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('tus-js-client sends a whole file in one PATCH', async () => {
    const user = await signedIn()
    const bytes = randomBytes(7 * MiB + 1)
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new TusUpload(bytes, {
        endpoint: `${system.gatewayUrl}/api/v1/tus/`,
        headers: { authorization: `Bearer ${user.token}` },
        metadata: { filename: 'one-patch.bin' },
        retryDelays: [],
        onError: reject,
        onSuccess: () => resolve(upload.url ?? ''),
      })
      upload.start()
    })
    const done = await completed(user, url.split('/').pop() ?? '')
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('a 0-byte file completes at creation', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 0, 'empty.txt', 'text/plain')
    expect(await offsetOf(user, location)).toBe(0)
    const done = await completed(user, id)
    expect(done.fileSize).toBe(0)
  })
})

describe('tus refusals', () => {
  it('a wrong Upload-Offset is 409 and a wrong Content-Type 415; the offset stays', async () => {
    const user = await signedIn()
    const { location } = await create(user, 100)
    const wrong = await patch(user, location, 7, randomBytes(10))
    expect(wrong.status).toBe(409)
    expect((await errorOf(wrong)).code).toBe('CONFLICT')
    const type = await tus(user, location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'upload-offset': '0' },
      body: randomBytes(10),
    })
    expect(type.status).toBe(415)
    expect(await offsetOf(user, location)).toBe(0)
  })

  it('a wrong Upload-Checksum is 460 and no byte of that PATCH is kept; a right one is stored', async () => {
    const user = await signedIn()
    const bytes = randomBytes(7 * MiB)
    const { location, id } = await create(user, bytes.length)
    const first = bytes.subarray(0, 6 * MiB + 10)
    const bad = await patch(user, location, 0, first, {
      'upload-checksum': `sha256 ${createHash('sha256').update('something else').digest('base64')}`,
    })
    expect(bad.status).toBe(460)
    expect((await errorOf(bad)).code).toBe('INTEGRITY_FAILED')
    expect(await offsetOf(user, location)).toBe(0)
    expect(await objectsUnder(chunkPrefix(id))).toEqual([])
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])

    const good = await patch(user, location, 0, first, {
      'upload-checksum': `sha256 ${createHash('sha256').update(first).digest('base64')}`,
    })
    expect(good.status).toBe(204)
    expect(await offsetOf(user, location)).toBe(first.length)
    const rest = bytes.subarray(first.length)
    const last = await patch(user, location, first.length, rest, {
      'upload-checksum': `sha1 ${createHash('sha1').update(rest).digest('base64')}`,
    })
    expect(last.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('termination: DELETE is 204, then the upload is gone and cancelled', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 5 * MiB)
    expect((await patch(user, location, 0, randomBytes(MiB))).status).toBe(204)
    const res = await tus(user, location, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect((await tus(user, location, { method: 'HEAD' })).status).toBe(404)
    expect((await patch(user, location, MiB, randomBytes(10))).status).toBe(404)
    const upload: Upload = await (await user.browser.fetch(`/api/v1/uploads/${id}`)).json()
    expect(upload.status).toBe('cancelled')
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
  })

  it('expiration: Upload-Expires is announced; once past it, HEAD and PATCH are 410', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 1000)
    const head = await tus(user, location, { method: 'HEAD' })
    expect(Date.parse(head.headers.get('upload-expires') ?? '')).toBeGreaterThan(Date.now())
    // Time passes: the session's expiry moves into the past, as after SESSION_TTL_SECONDS of silence.
    await stack.clients.documents.send(
      new UpdateCommand({
        TableName: uploadsTable(),
        Key: { pk: `UPLOAD#${id}`, sk: 'SESSION' },
        UpdateExpression: 'SET expiresAt = :past, gsi2sk = :sweep',
        ExpressionAttributeValues: { ':past': Date.now() - 1000, ':sweep': '000000000000000' },
      }),
    )
    expect((await tus(user, location, { method: 'HEAD' })).status).toBe(410)
    const res = await patch(user, location, 0, randomBytes(10))
    expect(res.status).toBe(410)
    expect((await errorOf(res)).message).toContain('expired')
  })

  it("another user's upload URL is 404 for HEAD, PATCH and DELETE", async () => {
    const owner = await signedIn()
    const other = await signedIn()
    const { location } = await create(owner, 100)
    expect((await tus(other, location, { method: 'HEAD' })).status).toBe(404)
    expect((await patch(other, location, 0, randomBytes(10))).status).toBe(404)
    expect((await tus(other, location, { method: 'DELETE' })).status).toBe(404)
    expect(await offsetOf(owner, location)).toBe(0)
  })

  it('two concurrent PATCHes: while one holds the upload the other is refused', async () => {
    const user = await signedIn()
    const bytes = randomBytes(64 * 1024)
    const { location, id } = await create(user, bytes.length)
    const url = new URL(location, system.gatewayUrl)
    // The first PATCH sends half its body and then waits, holding the lock.
    const slow = httpRequest(url, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(bytes.length),
      },
    })
    const answer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      slow.on('error', reject)
    })
    slow.write(bytes.subarray(0, bytes.length / 2))
    await waitFor(
      async () => {
        const out = await stack.clients.documents.send(
          new GetCommand({
            TableName: uploadsTable(),
            Key: { pk: `UPLOAD#${id}`, sk: 'TUS' },
            ConsistentRead: true,
          }),
        )
        return typeof out.Item?.lockId === 'string' && out.Item.lockId !== ''
      },
      { what: 'the first PATCH to take the lock' },
    )
    const second = await patch(user, location, 0, bytes)
    expect([409, 423]).toContain(second.status)
    slow.end(bytes.subarray(bytes.length / 2))
    expect(await answer).toBe(204)
    expect(await offsetOf(user, location)).toBe(bytes.length)
  })
})
