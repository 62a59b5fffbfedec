import type { Readable } from 'node:stream'
import { finished, Transform } from 'node:stream'
import { chunkKey, chunkLength, isId, parseContentDigest, toBase64 } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import { annotate, attr, meters, userPseudonym } from '@lfusys/telemetry'
import { type UploadTokenKey, verifyUploadToken } from '@lfusys/upload-token'
import type { CapacityLease, CapacityLimiter } from './CapacityLimiter.ts'
import { ChecksumMismatchError, type ChunkStore } from './ChunkStore.ts'
import type { EndedUploads } from './EndedUploads.ts'
import { type MinTransferRate, watchTransferRate } from './transferRate.ts'

/** Raw, untrusted parts of a chunk request, as the edge received them. */
export interface ChunkRequest {
  uploadId: string
  index: string
  authorization: string | undefined
  contentDigest: string | undefined
  contentLength: string | undefined
  body: Readable
}

export interface StoredChunk {
  uploadId: string
  index: number
  size: number
}

export interface ChunkServiceOptions {
  store: ChunkStore
  limiter: CapacityLimiter
  ended: EndedUploads
  /** Chunks in flight per user for tokens without the `cif` claim. */
  defaultUserLimit: number
  minRate: MinTransferRate
  tokenKeys: readonly UploadTokenKey[]
  chunkPrefix: string
  retryAfterSeconds: number
  log: Logger
}

/** The client went away before sending Content-Length bytes; nothing was stored. */
export class BodyIncompleteError extends Error {
  override readonly name = 'BodyIncompleteError'
}

/**
 * Receives one chunk (design invariant 4): token, index, exact length and digest are checked, then
 * the body streams straight into the store with its declared SHA-256. The store verifies it before
 * the object becomes visible (S3 answers BadDigest and stores nothing; so does the local emulator
 * with the repository's fauxqs patch), so bytes under the chunk prefix, each of which is an event
 * the sessions service counts, always match their digest. Only stream buffers are held per request.
 */
export class ChunkService {
  readonly #o: ChunkServiceOptions

  constructor(options: ChunkServiceOptions) {
    this.#o = options
  }

  async receive(request: ChunkRequest): Promise<StoredChunk> {
    const claims = await verifyUploadToken(this.#o.tokenKeys, bearerToken(request.authorization))
    annotate({ [attr.user]: userPseudonym(claims.userId) })
    if (!isId(request.uploadId)) {
      throw new AppError('VALIDATION_FAILED', 'upload id must be a lowercase UUID', {
        details: { field: 'uploadId' },
      })
    }
    if (request.uploadId !== claims.uploadId) {
      throw new AppError('FORBIDDEN', 'the upload token belongs to another upload')
    }
    const plan = { fileSize: claims.fileSize, chunkSize: claims.chunkSize, chunkCount: claims.chunkCount }
    const index = /^\d{1,9}$/.test(request.index) ? Number(request.index) : Number.NaN
    if (!Number.isInteger(index) || index >= plan.chunkCount) {
      throw new AppError(
        'VALIDATION_FAILED',
        `chunk index must be an integer from 0 to ${plan.chunkCount - 1}`,
        {
          details: { field: 'index', chunkCount: plan.chunkCount },
        },
      )
    }
    const expected = chunkLength(plan, index)
    if (request.contentLength === undefined) {
      throw new AppError(
        'LENGTH_REQUIRED',
        'Content-Length is required: send the chunk with its exact length',
        {
          details: { expected },
        },
      )
    }
    const length = /^\d{1,16}$/.test(request.contentLength) ? Number(request.contentLength) : Number.NaN
    if (Number.isNaN(length)) {
      throw new AppError('VALIDATION_FAILED', 'Content-Length is not a number', {
        details: { field: 'Content-Length' },
      })
    }
    if (length > expected) {
      throw new AppError('TOO_LARGE', `chunk ${index} may be at most ${expected} bytes`, {
        details: { expected, received: length },
      })
    }
    if (length !== expected) {
      throw new AppError('VALIDATION_FAILED', `chunk ${index} must be exactly ${expected} bytes`, {
        details: { field: 'Content-Length', expected, received: length },
      })
    }
    const digest = parseContentDigest(request.contentDigest)
    if (!digest.ok) {
      throw new AppError('VALIDATION_FAILED', digest.reason, { details: { field: 'Content-Digest' } })
    }

    const lease = this.#admit(claims.userId, expected, claims.maxChunksInFlight ?? this.#o.defaultUserLimit)
    const key = chunkKey(this.#o.chunkPrefix, claims.uploadId, index)
    try {
      await this.#o.ended.assertOpen(claims.uploadId).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'GONE') refused('upload_ended')
        throw err
      })
      await this.#stream(request.body, key, length, digest.sha256)
    } finally {
      lease.release()
    }
    this.#o.log.debug({ uploadId: claims.uploadId, chunk: index, size: length }, 'chunk stored')
    return { uploadId: claims.uploadId, index, size: length }
  }

  /** Never queues: a refusal is answered at once, with Retry-After. */
  #admit(user: string, bytes: number, userLimit: number): CapacityLease {
    const lease = this.#o.limiter.tryAcquire({ user, bytes, userLimit })
    if (lease === 'user_limit') {
      refused('user_limit')
      throw new AppError(
        'RATE_LIMITED',
        `this account already has ${userLimit} chunk requests in progress; retry when one has finished`,
        {
          retryAfterSeconds: this.#o.retryAfterSeconds,
          details: { reason: 'chunks_in_flight', limit: userLimit },
        },
      )
    }
    if (lease === 'capacity') {
      refused('capacity')
      throw new AppError('UNAVAILABLE', 'the uploads service is at capacity; retry later', {
        retryAfterSeconds: this.#o.retryAfterSeconds,
      })
    }
    return lease
  }

  /**
   * Client body -> length meter -> PutObject. A failing client stream aborts the S3 request (pipe
   * does not forward errors), so nothing partial is stored; a failing S3 request lets the rest of
   * the body drain so the client still reads the answer. A body below the minimum transfer rate is
   * cut the same way (the S3 request is aborted) and the request is answered 408.
   */
  async #stream(body: Readable, key: string, length: number, declared: Uint8Array): Promise<void> {
    const meter = lengthMeter(length)
    const abort = new AbortController()
    const stopWatching = watchTransferRate(
      this.#o.minRate,
      { received: meter.received, length, stalledByUs: () => meter.stream.writableNeedDrain },
      (slow) => {
        refused('slow_body')
        meter.stream.destroy(
          new AppError(
            'REQUEST_TIMEOUT',
            `the chunk arrived too slowly: ${slow.receivedInWindow} bytes in ${slow.windowMs} ms, at least ${Math.ceil(slow.requiredInWindow)} required; nothing was stored`,
            { details: { reason: 'too_slow', minBytesPerSecond: this.#o.minRate.bytesPerSecond } },
          ),
        )
      },
    )
    let storeFailedFirst = false
    const [piped, stored] = await Promise.allSettled([
      feed(body, meter.stream)
        .catch((err: unknown) => {
          abort.abort(err)
          throw err
        })
        .finally(stopWatching),
      this.#o.store.put(key, meter.stream, length, declared, abort.signal).catch((err: unknown) => {
        // Not the store's own failure when the body was cut or failed first (the meter erred).
        storeFailedFirst = !abort.signal.aborted && !meter.stream.errored
        meter.stream.resume()
        throw err
      }),
    ])
    // The store's own verdict wins unless it only failed because the client stream did.
    if (stored.status === 'rejected' && storeFailedFirst) throw storeError(stored.reason, declared)
    if (piped.status === 'rejected') {
      if (piped.reason instanceof AppError || piped.reason instanceof BodyIncompleteError) throw piped.reason
      throw new BodyIncompleteError('the client closed the request before the whole chunk arrived', {
        cause: piped.reason,
      })
    }
    if (stored.status === 'rejected') throw storeError(stored.reason, declared)
  }
}

function storeError(err: unknown, declared: Uint8Array): unknown {
  if (!(err instanceof ChecksumMismatchError)) return err
  return new AppError('INTEGRITY_FAILED', 'the chunk does not match its Content-Digest; nothing was stored', {
    cause: err,
    details: { declared: toBase64(declared) },
  })
}

function refused(reason: 'capacity' | 'user_limit' | 'slow_body' | 'upload_ended'): void {
  meters().chunkRefused.add(1, { reason })
}

/**
 * Pipes the client body into `sink` and settles when the sink has taken all of it. Unlike
 * `pipeline`, a failing sink (a body cut for being too slow) does not destroy the client request,
 * so the request can still be answered (with `Connection: close`); a failing body fails the sink.
 */
function feed(body: Readable, sink: Transform): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false
    const settle = (err?: unknown) => {
      if (settled) return
      settled = true
      body.unpipe(sink)
      if (err) reject(err)
      else resolve()
    }
    const stopBody = finished(body, (err) => {
      if (err) {
        sink.destroy(err)
        settle(err)
      }
    })
    const stopSink = finished(sink, { readable: false }, (err) => {
      stopBody()
      stopSink()
      settle(err)
    })
    body.pipe(sink)
  })
}

/** A pass-through that counts, fails once more than `length` bytes arrive, and at its end if fewer did. */
function lengthMeter(length: number): { stream: Transform; received: () => number } {
  let received = 0
  const stream = new Transform({
    transform(piece: Buffer, _encoding, callback) {
      received += piece.length
      if (received > length) {
        callback(new AppError('TOO_LARGE', 'the body is longer than its Content-Length'))
        return
      }
      callback(null, piece)
    },
    flush(callback) {
      if (received !== length) {
        callback(new BodyIncompleteError(`the body ended after ${received} of ${length} bytes`))
        return
      }
      callback()
    },
  })
  return { stream, received: () => received }
}

function bearerToken(header: string | undefined): string {
  const match = header === undefined ? null : /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header)
  if (!match?.[1]) {
    throw new AppError('UNAUTHENTICATED', 'an upload token is required (Authorization: Bearer <token>)', {
      details: { reason: 'missing' },
    })
  }
  return match[1]
}
