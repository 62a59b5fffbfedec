import { randomBytes } from 'node:crypto'
import { chunkUploadPrefix } from '@lfusys/contracts'
import { waitFor } from '@lfusys/testing'
import { describe, expect, it } from 'vitest'
import {
  CHUNK,
  chunkHeaders,
  chunkPath,
  eventsUntilSentinel,
  keysUnder,
  newUpload,
  openChunk,
  type Running,
  stack,
  start,
  useChunkStack,
} from '../testing/chunkHarness.ts'
import { send } from '../testing/send.ts'

useChunkStack('uploads-intake')

/** Starts a chunk PUT of a whole CHUNK and sends its first `head` bytes; the rest waits. */
async function hold(svc: Running, upload: { uploadId: string; token: string }, index: number, head = 1000) {
  const body = randomBytes(CHUNK)
  const before = svc.deps.limiter.usage.active
  const open = openChunk(svc.url, chunkPath(upload.uploadId, index), chunkHeaders(upload.token, body))
  open.req.write(body.subarray(0, head))
  await waitFor(() => svc.deps.limiter.usage.active > before, { what: `chunk ${index} to be admitted` })
  return {
    ...open,
    finish: () => {
      open.req.end(body.subarray(head))
      return open.answer
    },
  }
}

async function putWhole(
  svc: Running,
  upload: { uploadId: string; token: string },
  index: number,
  size = CHUNK,
) {
  const body = randomBytes(size)
  return send(svc.url, {
    path: chunkPath(upload.uploadId, index),
    headers: chunkHeaders(upload.token, body),
    body,
  })
}

describe('per-user chunks in flight', () => {
  it('429 + Retry-After beyond the cap of the token (or the default without one); other users go on', async () => {
    const svc = await start({ UPLOADS_MAX_CHUNKS_PER_USER: '2', UPLOADS_RETRY_AFTER_SECONDS: '2' })
    try {
      const greedy = await newUpload(6, CHUNK, { userId: 'greedy' })
      const held = [await hold(svc, greedy, 0), await hold(svc, greedy, 1)]
      const third = await putWhole(svc, greedy, 2)
      expect(third.status).toBe(429)
      expect(third.headers['retry-after']).toBe('2')
      expect(third.body).toEqual({
        error: {
          code: 'RATE_LIMITED',
          message: 'this account already has 2 chunk requests in progress; retry when one has finished',
          details: { reason: 'chunks_in_flight', limit: 2 },
        },
      })
      // Another user is not affected.
      const other = await newUpload(3, 1000, { userId: 'someone-else' })
      expect((await putWhole(svc, other, 0)).status).toBe(201)

      // A token carrying its own cap (claim cif) gets that one.
      const capped = await newUpload(3, 1000, { userId: 'capped', maxChunksInFlight: 1 })
      const one = await hold(svc, capped, 0)
      const refused = await putWhole(svc, capped, 1)
      expect(refused.status).toBe(429)
      expect(refused.body).toMatchObject({ error: { details: { limit: 1 } } })

      for (const h of [...held, one]) expect((await h.finish()).status).toBe(201)
      expect((await putWhole(svc, greedy, 2)).status).toBe(201)
      expect(svc.deps.limiter.usage).toMatchObject({ active: 0, users: 0 })
    } finally {
      await svc.close()
    }
  })
})

describe('minimum transfer rate', () => {
  const slow = {
    UPLOADS_MIN_TRANSFER_BYTES_PER_SECOND: '65536',
    UPLOADS_MIN_TRANSFER_GRACE_MS: '600',
    UPLOADS_MIN_TRANSFER_WINDOW_MS: '500',
  }

  it('cuts a trickling body with 408 after the grace: nothing stored, no event, the slot freed', async () => {
    const svc = await start(slow)
    try {
      const upload = await newUpload()
      const body = randomBytes(CHUNK)
      const { req, answer } = openChunk(
        svc.url,
        chunkPath(upload.uploadId, 0),
        chunkHeaders(upload.token, body),
      )
      let sent = 0
      const trickle = setInterval(() => {
        if (sent + 512 > CHUNK || req.destroyed) return
        req.write(body.subarray(sent, sent + 512))
        sent += 512
      }, 50)
      try {
        const res = await answer
        expect(res.status).toBe(408)
        expect(res.headers.connection).toBe('close')
        expect(res.body).toEqual({
          error: {
            code: 'REQUEST_TIMEOUT',
            message: expect.stringMatching(
              /^the chunk arrived too slowly: \d+ bytes in 500 ms, at least \d+ required; nothing was stored$/,
            ),
            details: { reason: 'too_slow', minBytesPerSecond: 65536 },
          },
        })
      } finally {
        clearInterval(trickle)
        req.destroy()
      }
      expect(sent).toBeLessThan(CHUNK)
      await waitFor(() => svc.deps.limiter.usage.active === 0, { what: 'the slot to be freed' })
      expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, upload.uploadId))).toEqual([])
      const events = await eventsUntilSentinel()
      expect(events.filter((k) => k.includes(upload.uploadId))).toEqual([])
    } finally {
      await svc.close()
    }
  })

  it('cuts an idle body (headers only) the same way, and a body at the rate is stored', async () => {
    const svc = await start(slow)
    try {
      const upload = await newUpload()
      const body = randomBytes(CHUNK)
      const idle = openChunk(svc.url, chunkPath(upload.uploadId, 1), chunkHeaders(upload.token, body))
      const res = await idle.answer
      idle.req.destroy()
      expect(res.status).toBe(408)
      expect(res.body).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } })

      // 256 KiB in 64 KiB pieces every 100 ms (640 KiB/s): well above the rate, stored.
      const steady = openChunk(svc.url, chunkPath(upload.uploadId, 1), chunkHeaders(upload.token, body))
      for (let at = 0; at < CHUNK; at += 64 * 1024) {
        steady.req.write(body.subarray(at, at + 64 * 1024))
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      steady.req.end()
      expect((await steady.answer).status).toBe(201)
    } finally {
      await svc.close()
    }
  })
})

describe('small chunks are never shed behind large ones', () => {
  it('admits a 1 KiB chunk while large chunks hold every ordinary slot', async () => {
    const svc = await start({
      UPLOADS_MAX_CONCURRENT_CHUNKS: '2',
      UPLOADS_SMALL_CHUNK_BYTES: '65536',
      UPLOADS_SMALL_CHUNK_SLOTS: '1',
    })
    try {
      const big1 = await newUpload(3, 1000, { userId: 'big-1' })
      const big2 = await newUpload(3, 1000, { userId: 'big-2' })
      const held = [await hold(svc, big1, 0), await hold(svc, big2, 0)]
      const large = await putWhole(svc, await newUpload(3, 1000, { userId: 'small-1' }), 0)
      expect(large.status).toBe(503)
      expect(large.body).toEqual({
        error: { code: 'UNAVAILABLE', message: 'the uploads service is at capacity; retry later' },
      })

      const tiny = await newUpload(1, 1024, { userId: 'small-1' })
      const small = await putWhole(svc, tiny, 0, 1024)
      expect(small.status).toBe(201)
      expect(small.body).toEqual({ uploadId: tiny.uploadId, index: 0, size: 1024 })
      for (const h of held) expect((await h.finish()).status).toBe(201)
    } finally {
      await svc.close()
    }
  })
})
