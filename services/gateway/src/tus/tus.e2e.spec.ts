import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { waitFor } from '@lfusys/testing'
import { Upload as TusUpload } from 'tus-js-client'
import { describe, expect, it } from 'vitest'
import { CHUNK, MiB, tusSuite } from '../testing/tusSuite.ts'
import { contentHashOf } from '../testing/uploading.ts'

const t = tusSuite('gw-tus')
const {
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
} = t

describe('tus 1.0 discovery and negotiation', () => {
  it('OPTIONS announces version, extensions, max size and checksum algorithms without auth', async () => {
    const res = await fetch(`${t.system.gatewayUrl}/api/v1/tus/`, { method: 'OPTIONS' })
    expect(res.status).toBe(204)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect(res.headers.get('tus-extension')).toBe(
      'creation,creation-with-upload,termination,expiration,checksum',
    )
    expect(Number(res.headers.get('tus-max-size'))).toBeGreaterThan(0)
    expect(res.headers.get('tus-checksum-algorithm')).toContain('sha256')
  })

  it('answers a CORS preflight from the web origin and exposes the tus headers', async () => {
    const res = await fetch(`${t.system.gatewayUrl}/api/v1/tus/`, {
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
    const other = await fetch(`${t.system.gatewayUrl}/api/v1/tus/`, {
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
    const anonymous = await fetch(`${t.system.gatewayUrl}/api/v1/tus/`, {
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

  it('a tus client that never asks for the upload sees its file in the files list as soon as it completes', async () => {
    const user = await signedIn()
    // The list is read (and cached) before the upload, as the Files page does.
    expect((await (await user.browser.fetch('/api/v1/files?limit=50')).json()).files).toEqual([])
    const bytes = randomBytes(2 * MiB + 5)
    const res = await tus(user, '/api/v1/tus/', {
      method: 'POST',
      headers: {
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${b64('listed.bin')}`,
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    })
    expect(res.status).toBe(201)
    const id = (res.headers.get('location') ?? '').split('/').pop() ?? ''
    // Only the files list is polled, well inside the list cache's 30 s TTL: the gateway follows
    // the upload it started finalizing and refreshes the owner's list when it completes.
    const file = await waitFor(async () => listed(user, id), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'the tus upload in the files list',
    })
    expect(file).toMatchObject({ id, name: 'listed.bin', size: bytes.length })
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
      endpoint: `${t.system.gatewayUrl}/api/v1/tus/`,
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
    const cut = httpRequest(new URL(location, t.system.gatewayUrl), {
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
        endpoint: `${t.system.gatewayUrl}/api/v1/tus/`,
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
