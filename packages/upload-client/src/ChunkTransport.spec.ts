import { describe, expect, it } from 'vitest'
import { connectionRetryDelay, DEFAULT_CONNECTION_RETRY } from './backoff.ts'
import {
  type ChunkPutRequest,
  type ChunkPutResponse,
  retryingConnections,
  TransportError,
} from './ChunkTransport.ts'

function request(signal = new AbortController().signal): ChunkPutRequest {
  return { url: 'http://uploads.test/c/0', token: 't', contentDigest: 'd', body: new Uint8Array(4), signal }
}

const ok: ChunkPutResponse = { status: 201, retryAfter: null, body: undefined }

describe('retryingConnections', () => {
  it('sends again quickly while no response arrives, then answers the response', async () => {
    let calls = 0
    const transport = retryingConnections(
      async () => {
        calls++
        if (calls <= 3) throw new TransportError('connect ECONNREFUSED')
        return ok
      },
      { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 10_000 },
    )
    expect(await transport(request())).toBe(ok)
    expect(calls).toBe(4)
  })

  it('passes an HTTP answer (even a 503) on at once: its retry is the engine’s', async () => {
    let calls = 0
    const unavailable: ChunkPutResponse = { status: 503, retryAfter: '1', body: undefined }
    const transport = retryingConnections(async () => {
      calls++
      return unavailable
    })
    expect(await transport(request())).toBe(unavailable)
    expect(calls).toBe(1)
  })

  it('gives the TransportError to the engine once its budget is spent', async () => {
    let calls = 0
    const transport = retryingConnections(
      async () => {
        calls++
        throw new TransportError('connect ECONNREFUSED')
      },
      { baseDelayMs: 10, maxDelayMs: 20, budgetMs: 60 },
      () => 0.99,
    )
    await expect(transport(request())).rejects.toBeInstanceOf(TransportError)
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(calls).toBeLessThan(10)
  })

  it('stops retrying when the upload is cancelled', async () => {
    const abort = new AbortController()
    let calls = 0
    const transport = retryingConnections(
      async () => {
        calls++
        abort.abort(new Error('cancelled'))
        throw new TransportError('reset')
      },
      { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 10_000 },
    )
    await expect(transport(request(abort.signal))).rejects.toThrow()
    expect(calls).toBe(1)
  })
})

describe('connectionRetryDelay', () => {
  it('stays under a second however many quick retries were made', () => {
    for (const attempt of [0, 1, 3, 10, 50]) {
      expect(connectionRetryDelay(attempt, DEFAULT_CONNECTION_RETRY, () => 0.999)).toBeLessThan(1000)
    }
    expect(connectionRetryDelay(0, DEFAULT_CONNECTION_RETRY, () => 0.999)).toBeLessThan(100)
  })
})
