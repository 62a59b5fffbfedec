import { describe, expect, it } from 'vitest'
import { UploadError } from './errors.ts'
import { GatewayClient } from './GatewayClient.ts'

const created = {
  result: 'created',
  upload: {
    id: 'u1',
    fileName: 'f.bin',
    fileSize: 3,
    contentType: 'application/octet-stream',
    contentHash: null,
    chunkSize: 1024,
    chunkCount: 1,
    receivedChunks: [],
    status: 'created',
    chunkUploadUrl: 'http://uploads.test/api/v1/uploads/u1/chunks',
    fileId: null,
    failureReason: null,
    createdAt: '2026-11-22T05:00:00.000Z',
    expiresAt: '2026-11-23T05:00:00.000Z',
  },
  uploadToken: { token: 't1', expiresAt: '2026-11-22T06:00:00.000Z' },
}

describe('GatewayClient.createUpload', () => {
  it('sends one Idempotency-Key per creation and the same one on every retry', async () => {
    const keys: (string | null)[] = []
    let calls = 0
    const client = new GatewayClient({
      baseUrl: 'http://gw.test/api/v1',
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5, maxAttempts: 4 },
      fetch: async (_url, init) => {
        keys.push(new Headers(init?.headers).get('idempotency-key'))
        calls++
        // The first attempt reached the server but its answer was a 503 (a stalled dependency).
        if (calls === 1)
          return new Response(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'later' } }), {
            status: 503,
            headers: { 'retry-after': '0' },
          })
        return new Response(JSON.stringify(created), { status: 201 })
      },
    })
    const input = { fileName: 'f.bin', fileSize: 3, contentType: 'application/octet-stream' }
    expect((await client.createUpload(input)).result).toBe('created')
    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toBe(keys[0])
    // Another creation is another key.
    await client.createUpload(input)
    expect(keys[2]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[2]).not.toBe(keys[0])
  })
})

const policy = {
  chunkPlan: { baseChunkSize: 3 * 1024 * 1024, maxChunks: 10_000 },
  maxFileSize: 2 ** 40,
  quotaBytes: null,
}

describe('GatewayClient answers are checked against the contracts schemas', () => {
  const client = (body: unknown, status = 200) =>
    new GatewayClient({
      baseUrl: 'http://gw.test/api/v1',
      fetch: async () => new Response(JSON.stringify(body), { status }),
    })

  it('turns a malformed creation answer into a PROTOCOL_ERROR naming the field', async () => {
    const bad = { ...created, upload: { ...created.upload, chunkSize: '8MiB' } }
    const err = await client(bad, 201)
      .createUpload({ fileName: 'f.bin', fileSize: 3 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadError)
    expect(err).toMatchObject({
      code: 'PROTOCOL_ERROR',
      message: expect.stringMatching(
        /^unexpected upload creation from the server: bad field "upload\.chunkSize"/,
      ),
    })
  })

  it('refuses an unknown upload status, a file page without files and a proxy page', async () => {
    await expect(client({ ...created.upload, status: 'paused' }).getUpload('u1')).rejects.toMatchObject({
      code: 'PROTOCOL_ERROR',
      details: { field: 'status' },
    })
    await expect(client({ nextCursor: null }).listFiles()).rejects.toMatchObject({
      code: 'PROTOCOL_ERROR',
      details: { field: 'files' },
    })
    const html = new GatewayClient({
      baseUrl: 'http://gw.test/api/v1',
      fetch: async () => new Response('<html>bad gateway</html>', { status: 200 }),
    })
    await expect(html.usage()).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', details: { field: '(body)' } })
  })

  it('accepts well-formed answers unchanged', async () => {
    expect(await client(created, 201).createUpload({ fileName: 'f.bin', fileSize: 3 })).toEqual(created)
    expect(await client({ files: [], nextCursor: '' }).listFiles()).toEqual({ files: [], nextCursor: null })
    expect(await client(policy).uploadPolicy()).toEqual(policy)
  })
})

describe('GatewayClient.uploadPolicy', () => {
  it('fetches the policy once per client, and again only after a failure or when told to forget it', async () => {
    let calls = 0
    let fail = true
    const client = new GatewayClient({
      baseUrl: 'http://gw.test/api/v1',
      retry: { maxAttempts: 1 },
      fetch: async (url) => {
        expect(url).toBe('http://gw.test/api/v1/uploads/policy')
        calls++
        if (fail) return new Response('{"error":{"code":"NOT_FOUND","message":"no"}}', { status: 404 })
        return new Response(JSON.stringify(policy), { status: 200 })
      },
    })
    await expect(client.uploadPolicy()).rejects.toMatchObject({ code: 'NOT_FOUND' })
    fail = false
    const [a, b] = await Promise.all([client.uploadPolicy(), client.uploadPolicy()])
    expect(a).toEqual(policy)
    expect(b).toBe(a)
    expect(calls).toBe(2)
    await client.uploadPolicy()
    expect(calls).toBe(2)
    client.forgetUploadPolicy()
    await client.uploadPolicy()
    expect(calls).toBe(3)
  })

  it("stops one caller's wait on abort without failing the shared fetch", async () => {
    let answer: (r: Response) => void = () => undefined
    const client = new GatewayClient({
      baseUrl: 'http://gw.test/api/v1',
      fetch: () => new Promise<Response>((resolve) => (answer = resolve)),
    })
    const aborted = new AbortController()
    const first = client.uploadPolicy(aborted.signal)
    const second = client.uploadPolicy()
    aborted.abort(new Error('cancelled'))
    await expect(first).rejects.toThrow('cancelled')
    answer(new Response(JSON.stringify(policy), { status: 200 }))
    expect(await second).toEqual(policy)
  })
})
