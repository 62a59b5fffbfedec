import { describe, expect, it } from 'vitest'
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
