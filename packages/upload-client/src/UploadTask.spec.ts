import { parseContentDigest, planChunks, toHex } from '@lfusys/contracts'
import { describe, expect, it } from 'vitest'
import { blobSource } from './ChunkSource.ts'
import type { ChunkPutRequest, ChunkPutResponse, ChunkTransport } from './ChunkTransport.ts'
import { TransportError } from './ChunkTransport.ts'
import { GatewayClient } from './GatewayClient.ts'
import { type ChunkHasher, hashChunksInline, sha256 } from './hashing.ts'
import type { ServerUpload, UploadStatus } from './types.ts'
import { type UploadSnapshot, UploadTask } from './UploadTask.ts'

// Engine logic against an in-memory fake of the gateway and the uploads service (the real services
// are exercised by the e2e tests). Chunks are 1 KiB so every case stays tiny.
const CHUNK = 1024
const noWaitRetry = { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5, maxAttempts: 4 }

function data(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(size))
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff
  return out
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

interface FakeOptions {
  received?: number[]
  result?: 'created' | 'resumed' | 'duplicate'
  finalStatus?: UploadStatus
  failureReason?: string
  /** Per-PUT hook: return a response to override the default 201. */
  onPut?: (
    req: ChunkPutRequest,
    n: number,
  ) => Promise<ChunkPutResponse | undefined> | ChunkPutResponse | undefined
  /** Whether GET /events answers (else 404 and the engine must poll). */
  sse?: boolean
  /** The chunk size the server decides at creation (default: the announced one). */
  chunkSize?: number
  /** The base chunk size the policy announces (default CHUNK). */
  policyChunkSize?: number
  /** The largest file the policy announces. */
  maxFileSize?: number
  /** A chunk count that does not fit the chunk size (a broken server). */
  chunkCount?: number
  /** GET /uploads/{id} answers `finalizing` this many times before the final status. */
  finalizingReads?: number
  /** POST /uploads/{id}/complete fails with this status (else 200). */
  completeStatus?: number
}

function fakeBackend(file: Uint8Array<ArrayBuffer>, opts: FakeOptions = {}) {
  const policyChunkSize = opts.policyChunkSize ?? CHUNK
  const plan = planChunks(file.length, { baseChunkSize: opts.chunkSize ?? policyChunkSize })
  const stored = new Set<number>(opts.received ?? [])
  const calls: string[] = []
  const puts: Array<{ index: number; token: string }> = []
  let tokenSerial = 1
  let status: UploadStatus = 'uploading'
  let inflight = 0
  let maxInflight = 0
  let putCount = 0

  const upload = (): ServerUpload => ({
    id: 'u1',
    fileName: 'f.bin',
    fileSize: file.length,
    contentType: 'application/octet-stream',
    contentHash: null,
    chunkSize: plan.chunkSize,
    chunkCount: opts.chunkCount ?? plan.chunkCount,
    receivedChunks: [...stored].sort((a, b) => a - b),
    status,
    chunkUploadUrl: 'http://uploads.test/api/v1/uploads/u1/chunks',
    fileId: status === 'complete' ? 'file-1' : null,
    failureReason: status === 'failed' ? (opts.failureReason ?? 'bad') : null,
    createdAt: '2026-11-22T05:00:00.000Z',
    expiresAt: '2026-11-23T05:00:00.000Z',
  })

  let finalizingReads = opts.finalizingReads ?? 0
  const settle = () => {
    if (stored.size !== plan.chunkCount || (status !== 'uploading' && status !== 'finalizing')) return
    if (finalizingReads-- > 0) status = 'finalizing'
    else status = opts.finalStatus ?? 'complete'
  }

  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET'
    const path = url.replace('http://gw.test/api/v1', '')
    calls.push(`${method} ${path}`)
    if (method === 'GET' && path === '/uploads/policy') {
      return json(200, {
        chunkPlan: { baseChunkSize: policyChunkSize, maxChunks: 10_000 },
        maxFileSize: opts.maxFileSize ?? 2 ** 40,
        quotaBytes: null,
      })
    }
    if (method === 'POST' && path === '/uploads') {
      status = 'uploading'
      if (opts.result === 'duplicate') {
        return json(200, {
          result: 'duplicate',
          file: {
            id: 'file-0',
            name: 'f.bin',
            size: file.length,
            contentType: 'application/octet-stream',
            contentHash: 'a'.repeat(64),
            createdAt: '2026-11-22T04:00:00.000Z',
            ownerId: 'user-1',
          },
        })
      }
      return json(201, {
        result: opts.result ?? 'created',
        upload: upload(),
        uploadToken: { token: `t${tokenSerial}`, expiresAt: '2026-11-22T06:00:00.000Z' },
      })
    }
    if (method === 'POST' && path === '/uploads/u1/token') {
      tokenSerial++
      return json(200, { token: `t${tokenSerial}`, expiresAt: '2026-11-22T06:00:00.000Z' })
    }
    if (method === 'GET' && path === '/uploads/u1') {
      settle()
      return json(200, upload())
    }
    if (method === 'GET' && path === '/uploads/u1/events') {
      if (!opts.sse) return json(404, { error: { code: 'NOT_FOUND', message: 'no stream here' } })
      settle()
      const text = `: heartbeat\n\nevent: upload\ndata: ${JSON.stringify(upload())}\n\n`
      return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } })
    }
    if (method === 'POST' && path === '/uploads/u1/complete') {
      if (opts.completeStatus !== undefined) {
        return json(opts.completeStatus, { error: { code: 'UNAVAILABLE', message: 'completion failed' } })
      }
      return json(200, upload())
    }
    if (method === 'DELETE' && path === '/uploads/u1') {
      status = 'cancelled'
      return json(200, upload())
    }
    if (method === 'GET' && path === '/files/file-1') {
      return json(200, {
        id: 'file-1',
        name: 'f.bin',
        size: file.length,
        contentType: 'application/octet-stream',
        contentHash: 'b'.repeat(64),
        createdAt: '2026-11-22T05:00:01.000Z',
        ownerId: 'user-1',
      })
    }
    return json(404, { error: { code: 'NOT_FOUND', message: `no route ${method} ${path}` } })
  }

  const transport: ChunkTransport = async (req) => {
    const n = putCount++
    inflight++
    maxInflight = Math.max(maxInflight, inflight)
    try {
      const index = Number(req.url.split('/').pop())
      puts.push({ index, token: req.token })
      const override = await opts.onPut?.(req, n)
      req.signal.throwIfAborted()
      if (override) return override
      const parsed = parseContentDigest(req.contentDigest)
      if (!parsed.ok || toHex(parsed.sha256) !== toHex(await sha256(req.body)))
        return {
          status: 422,
          retryAfter: null,
          body: { error: { code: 'INTEGRITY_FAILED', message: 'digest' } },
        }
      stored.add(index)
      return { status: 201, retryAfter: null, body: { uploadId: 'u1', index, size: req.body.length } }
    } finally {
      inflight--
    }
  }

  const gateway = new GatewayClient({ baseUrl: 'http://gw.test/api/v1', fetch, retry: noWaitRetry })
  return {
    plan,
    gateway,
    transport,
    calls,
    puts,
    stored,
    get maxInflight() {
      return maxInflight
    },
  }
}

function task(file: Uint8Array<ArrayBuffer>, backend: ReturnType<typeof fakeBackend>, extra = {}) {
  return new UploadTask({
    source: blobSource(new Blob([file]), 'f.bin'),
    gateway: backend.gateway,
    transport: backend.transport,
    retry: noWaitRetry,
    pollIntervalMs: 1,
    ...extra,
  })
}

describe('UploadTask', () => {
  it('uploads every chunk, then reports complete only once the server says so', async () => {
    const file = data(4 * CHUNK + 10)
    const be = fakeBackend(file, { sse: true, finalizingReads: 1 })
    const t = task(file, be)
    const phases: string[] = []
    t.subscribe((s) => {
      if (phases.at(-1) !== s.phase) phases.push(s.phase)
    })
    const outcome = await t.start()
    expect(outcome.kind).toBe('complete')
    expect([...be.stored].sort()).toEqual([0, 1, 2, 3, 4])
    expect(phases).toEqual(['idle', 'hashing', 'creating', 'uploading', 'finalizing', 'complete'])
    expect(t.snapshot.file?.id).toBe('file-1')
    expect(t.snapshot.storedBytes).toBe(file.length)
    expect(t.snapshot.inflightBytes).toBe(0)
    expect(be.calls).toContain('GET /uploads/u1/events')
  })

  it('says it is done once, after the last chunk is stored and before it waits', async () => {
    const file = data(3 * CHUNK)
    const be = fakeBackend(file, { sse: true })
    let storedAtCompletion = -1
    const fetch = be.gateway.completeUpload.bind(be.gateway)
    be.gateway.completeUpload = (id, signal) => {
      storedAtCompletion = be.stored.size
      return fetch(id, signal)
    }
    expect((await task(file, be).start()).kind).toBe('complete')
    expect(storedAtCompletion).toBe(3)
    const completion = be.calls.indexOf('POST /uploads/u1/complete')
    expect(be.calls.filter((c) => c === 'POST /uploads/u1/complete')).toHaveLength(1)
    // Waiting for the final state starts after the call.
    expect(be.calls.slice(completion + 1)).toContain('GET /uploads/u1')
    expect(be.calls.slice(0, completion)).not.toContain('GET /uploads/u1')
  })

  it('repeats the completion call while the upload stays unfinished (a dead finalizer is taken over)', async () => {
    const file = data(CHUNK)
    const be = fakeBackend(file, { sse: false, finalizingReads: 12 })
    expect((await task(file, be).start()).kind).toBe('complete')
    expect(be.calls.filter((c) => c === 'POST /uploads/u1/complete').length).toBeGreaterThanOrEqual(3)
  })

  it('goes on waiting when the completion call cannot get through (the events still finish it)', async () => {
    const file = data(CHUNK)
    const be = fakeBackend(file, { sse: true, completeStatus: 503 })
    expect((await task(file, be).start()).kind).toBe('complete')
    expect(be.calls.filter((c) => c === 'POST /uploads/u1/complete').length).toBeGreaterThanOrEqual(1)
  })

  it('sends the content hash of the design formula at creation', async () => {
    const file = data(3 * CHUNK)
    const be = fakeBackend(file)
    let sent: unknown
    const gateway = be.gateway
    const original = gateway.createUpload.bind(gateway)
    gateway.createUpload = (input, signal) => {
      sent = input
      return original(input, signal)
    }
    await task(file, be).start()
    const digests = await Promise.all([0, 1, 2].map((i) => sha256(file.slice(i * CHUNK, (i + 1) * CHUNK))))
    const concat = new Uint8Array(96)
    digests.forEach((d, i) => {
      concat.set(d, i * 32)
    })
    expect(sent).toEqual({
      fileName: 'f.bin',
      fileSize: 3 * CHUNK,
      contentType: 'application/octet-stream',
      contentHash: toHex(await sha256(concat)),
    })
  })

  it('resumes: chunks the server already has are not sent again', async () => {
    const file = data(6 * CHUNK)
    const be = fakeBackend(file, { result: 'resumed', received: [0, 2, 5] })
    const t = task(file, be)
    const outcome = await t.start()
    expect(outcome.kind).toBe('complete')
    expect(be.puts.map((p) => p.index).sort()).toEqual([1, 3, 4])
    expect(t.snapshot.chunksDone).toBe(6)
  })

  it('resumes a stored session without hashing again, from GET /uploads/{id} and a new token', async () => {
    const file = data(3 * CHUNK)
    const be = fakeBackend(file, { received: [1] })
    const digests = await Promise.all(
      [0, 1, 2].map(async (i) => toHex(await sha256(file.slice(i * CHUNK, (i + 1) * CHUNK)))),
    )
    const t = task(file, be, { resume: { uploadId: 'u1', digests, chunkSize: CHUNK, chunkCount: 3 } })
    const outcome = await t.start()
    expect(outcome.kind).toBe('complete')
    // The recorded plan is the session's: no policy is needed to continue it.
    expect(be.calls.slice(0, 2)).toEqual(['GET /uploads/u1', 'POST /uploads/u1/token'])
    expect(be.calls).not.toContain('GET /uploads/policy')
    expect(be.calls).not.toContain('POST /uploads')
    expect(be.puts.map((p) => p.index).sort()).toEqual([0, 2])
    expect(be.puts.every((p) => p.token === 't2')).toBe(true)
  })

  it('resumes with the stored plan when it differs from the client default', async () => {
    const file = data(5 * CHUNK)
    const be = fakeBackend(file, { chunkSize: 2 * CHUNK, received: [0] })
    const digests = await Promise.all(
      [0, 1, 2].map(async (i) => toHex(await sha256(file.slice(i * 2 * CHUNK, (i + 1) * 2 * CHUNK)))),
    )
    const t = task(file, be, { resume: { uploadId: 'u1', digests, chunkSize: 2 * CHUNK, chunkCount: 3 } })
    expect((await t.start()).kind).toBe('complete')
    expect(be.calls).not.toContain('POST /uploads')
    expect(be.puts.map((p) => p.index).sort()).toEqual([1, 2])
  })

  it('a duplicate sends no bytes at all', async () => {
    const file = data(2 * CHUNK)
    const be = fakeBackend(file, { result: 'duplicate' })
    const outcome = await task(file, be).start()
    expect(outcome).toMatchObject({ kind: 'duplicate', file: { id: 'file-0' } })
    expect(be.puts).toEqual([])
  })

  it('retries 503, 429 and network errors, honouring Retry-After', async () => {
    const file = data(2 * CHUNK)
    const failures: Array<ChunkPutResponse | 'network'> = [
      { status: 503, retryAfter: '0', body: { error: { code: 'UNAVAILABLE', message: 'busy' } } },
      { status: 429, retryAfter: '0', body: { error: { code: 'RATE_LIMITED', message: 'slow down' } } },
      'network',
    ]
    const be = fakeBackend(file, {
      onPut: (_req, n) => {
        const f = failures[n]
        if (f === 'network') throw new TransportError('reset')
        return f
      },
    })
    const outcome = await task(file, be, { concurrency: 1 }).start()
    expect(outcome.kind).toBe('complete')
    expect(be.puts.map((p) => p.index)).toEqual([0, 0, 0, 0, 1])
  })

  it('gives up after maxAttempts and says why', async () => {
    const file = data(CHUNK)
    const be = fakeBackend(file, {
      onPut: () => ({
        status: 500,
        retryAfter: null,
        body: { error: { code: 'INTERNAL', message: 'boom' } },
      }),
    })
    const outcome = await task(file, be).start()
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('RETRIES_EXHAUSTED')
    expect(outcome.error.message).toBe('chunk 0 failed 4 times; last error: boom')
    expect(be.puts).toHaveLength(4)
  })

  it('does not retry a verdict (403)', async () => {
    const file = data(CHUNK)
    const be = fakeBackend(file, {
      onPut: () => ({
        status: 403,
        retryAfter: null,
        body: { error: { code: 'FORBIDDEN', message: 'not yours' } },
      }),
    })
    const outcome = await task(file, be).start()
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: { code: 'FORBIDDEN', message: 'not yours', status: 403 },
    })
    expect(be.puts).toHaveLength(1)
  })

  it('renews an expired upload token once for all chunks in flight', async () => {
    const file = data(4 * CHUNK)
    const be = fakeBackend(file, {
      onPut: (req) =>
        req.token === 't1'
          ? {
              status: 401,
              retryAfter: null,
              body: {
                error: { code: 'UNAUTHENTICATED', message: 'expired', details: { reason: 'expired' } },
              },
            }
          : undefined,
    })
    const outcome = await task(file, be).start()
    expect(outcome.kind).toBe('complete')
    expect(be.calls.filter((c) => c === 'POST /uploads/u1/token')).toHaveLength(1)
    expect(
      be.puts
        .filter((p) => p.token === 't2')
        .map((p) => p.index)
        .sort(),
    ).toEqual([0, 1, 2, 3])
  })

  it('reports failed when the server fails the upload after every PUT succeeded', async () => {
    const file = data(2 * CHUNK)
    const be = fakeBackend(file, { finalStatus: 'failed', failureReason: 'content hash mismatch' })
    const outcome = await task(file, be).start()
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: { code: 'UPLOAD_FAILED', message: 'content hash mismatch' },
    })
  })

  it('never has more than `concurrency` chunks in flight', async () => {
    const file = data(12 * CHUNK)
    const be = fakeBackend(file, { onPut: () => new Promise((r) => setTimeout(() => r(undefined), 2)) })
    await task(file, be, { concurrency: 3 }).start()
    expect(be.maxInflight).toBe(3)
  })

  it('stops with FILE_CHANGED when the bytes no longer match the recorded digest', async () => {
    const file = data(2 * CHUNK)
    const be = fakeBackend(file)
    const source = blobSource(new Blob([file]), 'f.bin')
    let reads = 0
    const t = new UploadTask({
      source: {
        ...source,
        read: async (s, e) => {
          const b = await source.read(s, e)
          // Reads 1-2 hash the file; from then on the "disk" holds other bytes.
          if (++reads > 2) b[0] = (b[0] ?? 0) ^ 1
          return b
        },
      },
      gateway: be.gateway,
      transport: be.transport,
      retry: noWaitRetry,
    })
    const outcome = await t.start()
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED' } })
  })

  it('plans from the announced policy: one policy fetch, one hashing pass, one creation', async () => {
    const file = data(5 * CHUNK)
    // The server's chunk size is not the engine's default (nor the fake's usual one).
    const be = fakeBackend(file, { policyChunkSize: 2 * CHUNK })
    const hashed: number[] = []
    const countingHasher: ChunkHasher = (source, plan, hooks) => {
      hashed.push(plan.chunkSize)
      return hashChunksInline(source, plan, hooks)
    }
    const t = task(file, be, { hasher: countingHasher })
    const outcome = await t.start()
    expect(outcome.kind).toBe('complete')
    expect(hashed).toEqual([2 * CHUNK])
    expect(be.calls.filter((c) => c === 'POST /uploads')).toHaveLength(1)
    expect(be.calls).not.toContain('DELETE /uploads/u1')
    expect(be.puts.map((p) => p.index).sort()).toEqual([0, 1, 2])
    expect(t.snapshot.chunkCount).toBe(3)
    // The policy is kept by the client: the next upload does not ask again.
    expect((await task(file, be).start()).kind).toBe('complete')
    expect(be.calls.filter((c) => c === 'GET /uploads/policy')).toHaveLength(1)
  })

  it('refuses a file larger than the announced limit before hashing it', async () => {
    const file = data(5 * CHUNK)
    const be = fakeBackend(file, { maxFileSize: 4 * CHUNK })
    let hashed = 0
    const t = task(file, be, {
      hasher: ((source, plan, hooks) => {
        hashed++
        return hashChunksInline(source, plan, hooks)
      }) satisfies ChunkHasher,
    })
    const outcome = await t.start()
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: { code: 'TOO_LARGE', message: `file size exceeds the limit of ${4 * CHUNK} bytes` },
    })
    expect(hashed).toBe(0)
    expect(be.calls).toEqual(['GET /uploads/policy'])
  })

  it('when the created upload has another plan than the announced one, hashes again once and uploads with it', async () => {
    // The policy changed between its announcement and the creation (or gateway and sessions
    // disagree): the engine replans once with the server's plan and forgets the kept policy.
    const file = data(5 * CHUNK)
    const be = fakeBackend(file, { chunkSize: 2 * CHUNK })
    const hashed: number[] = []
    const t = task(file, be, {
      hasher: ((source, plan, hooks) => {
        hashed.push(plan.chunkSize)
        return hashChunksInline(source, plan, hooks)
      }) satisfies ChunkHasher,
    })
    const outcome = await t.start()
    expect(outcome.kind).toBe('complete')
    expect(hashed).toEqual([CHUNK, 2 * CHUNK])
    expect(be.calls.filter((c) => c === 'POST /uploads' || c === 'DELETE /uploads/u1')).toEqual([
      'POST /uploads',
      'DELETE /uploads/u1',
      'POST /uploads',
    ])
    expect(be.puts.map((p) => p.index).sort()).toEqual([0, 1, 2])
    expect(t.snapshot.chunkCount).toBe(3)
    // The next upload fetches the policy again.
    await task(file, be).start()
    expect(be.calls.filter((c) => c === 'GET /uploads/policy')).toHaveLength(2)
  })

  it('fails with PLAN_MISMATCH when the server plan is not a plan of this file', async () => {
    const file = data(3 * CHUNK)
    const be = fakeBackend(file, { chunkSize: 2 * CHUNK, chunkCount: 7 })
    const outcome = await task(file, be).start()
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('PLAN_MISMATCH')
    expect(outcome.error.message).toBe(
      'the server chunks this file as 7 x 2048 bytes, the client as 3 x 1024 bytes',
    )
    expect(be.calls).toContain('DELETE /uploads/u1')
    expect(be.puts).toEqual([])
  })

  it('pauses (aborting chunks in flight) and resumes to completion', async () => {
    const file = data(4 * CHUNK)
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => {
      release = r
    })
    let t: UploadTask | undefined
    const be = fakeBackend(file, {
      onPut: async (req, n) => {
        if (n === 0) {
          t?.pause()
          // The pause aborted this request's signal.
          expect(req.signal.aborted).toBe(true)
        }
        if (n < 2) await gate
        return undefined
      },
    })
    t = task(file, be, { concurrency: 2 })
    const running = t.start()
    await new Promise<void>((resolve) => {
      const off = t?.subscribe((s) => {
        if (s.phase === 'paused') {
          off?.()
          resolve()
        }
      })
    })
    expect(t.snapshot.paused).toBe(true)
    release()
    t.resume()
    const outcome = await running
    expect(outcome.kind).toBe('complete')
    expect([...be.stored].sort()).toEqual([0, 1, 2, 3])
  })

  it('cancel aborts the transfer and cancels the server session', async () => {
    const file = data(3 * CHUNK)
    let t: UploadTask | undefined
    const be = fakeBackend(file, {
      onPut: async (req) => {
        void t?.cancel()
        await new Promise((r) => setTimeout(r, 1))
        req.signal.throwIfAborted()
        return undefined
      },
    })
    t = task(file, be)
    const outcome = await t.start()
    expect(outcome.kind).toBe('cancelled')
    expect(be.calls).toContain('DELETE /uploads/u1')
    expect(be.stored.size).toBe(0)
  })

  it('polls GET /uploads/{id} when the live stream is unavailable', async () => {
    const file = data(CHUNK)
    const be = fakeBackend(file, { sse: false, finalizingReads: 3 })
    const outcome = await task(file, be).start()
    expect(outcome.kind).toBe('complete')
    const from = be.calls.indexOf('GET /uploads/u1/events') - 1
    expect(be.calls[from - 1]).toBe('POST /uploads/u1/complete')
    expect(be.calls.slice(from)).toEqual([
      'GET /uploads/u1',
      'GET /uploads/u1/events',
      'GET /uploads/u1',
      'GET /uploads/u1',
      'GET /uploads/u1',
      'GET /files/file-1',
    ])
  })

  it('plans like the server for a 0-byte file: one empty chunk', async () => {
    const file = data(0)
    const be = fakeBackend(file)
    const outcome = await task(file, be).start()
    expect(outcome.kind).toBe('complete')
    expect(be.puts.map((p) => p.index)).toEqual([0])
  })
})

describe('UploadTask progress', () => {
  it('advances on stored chunks, reports bytes in flight apart and never shows ETA 0 before the end', async () => {
    const file = data(5 * CHUNK)
    let clock = 0
    const releases: Array<() => void> = []
    const be = fakeBackend(file, {
      onPut: async (req) => {
        // The whole body is on the wire at once (as a socket buffer would take it), but the
        // uploads service answers only when the test says so.
        req.onProgress?.(req.body.length)
        await new Promise<void>((resolve) => releases.push(resolve))
        return undefined
      },
    })
    const t = task(file, be, { concurrency: 2, now: () => clock })
    const seen: UploadSnapshot[] = []
    t.subscribe((s) => seen.push(s))
    const done = t.start()
    const waitFor = async (pred: () => boolean) => {
      for (let i = 0; i < 1000 && !pred(); i++) await new Promise((r) => setTimeout(r, 1))
      expect(pred()).toBe(true)
    }

    await waitFor(() => releases.length === 2)
    expect(t.snapshot).toMatchObject({ phase: 'uploading', storedBytes: 0, chunksDone: 0 })
    expect(t.snapshot.inflightBytes).toBe(2 * CHUNK)
    expect(t.snapshot.bytesPerSecond).toBeUndefined()

    for (let stored = 1; stored <= 5; stored++) {
      clock += 2000
      const release = releases.shift()
      release?.()
      await waitFor(() => t.snapshot.chunksDone === stored)
      expect(t.snapshot.storedBytes).toBe(stored * CHUNK)
      if (stored < 5) {
        expect(t.snapshot.bytesPerSecond).toBeCloseTo(CHUNK / 2, 5)
        expect(t.snapshot.etaSeconds).toBe(((5 - stored) * CHUNK) / (CHUNK / 2))
        await waitFor(() => releases.length >= 1)
      }
    }
    expect((await done).kind).toBe('complete')
    for (const s of seen) {
      // The counter and the bar come from the same stored chunks.
      if (s.phase === 'uploading') expect(s.storedBytes).toBe(s.chunksDone * CHUNK)
      if (s.etaSeconds !== undefined && s.storedBytes < file.length) expect(s.etaSeconds).toBeGreaterThan(0)
    }
  })
})
