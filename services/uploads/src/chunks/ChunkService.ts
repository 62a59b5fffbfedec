import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { chunkKey, chunkLength, isId, parseContentDigest, toBase64 } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import { annotate, attr, userPseudonym } from '@lfusys/telemetry'
import { type UploadTokenKey, verifyUploadToken } from '@lfusys/upload-token'
import type { BufferPool } from './BufferPool.ts'
import type { CapacityLimiter } from './CapacityLimiter.ts'
import type { ChunkStore } from './ChunkStore.ts'

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
  pool: BufferPool
  tokenKeys: readonly UploadTokenKey[]
  chunkPrefix: string
  stagingPrefix: string
  /** Chunks up to this length are held, verified, then stored with one PutObject. */
  maxBufferedChunkBytes: number
  /** Hold those chunks in pooled memory, in files under `spoolDir`, or memory while the budget lasts. */
  receiveMode: 'memory' | 'disk' | 'memory-then-disk'
  spoolDir: string
  retryAfterSeconds: number
  log: Logger
}

/** The client went away before sending Content-Length bytes; nothing was stored. */
export class BodyIncompleteError extends Error {
  override readonly name = 'BodyIncompleteError'
}

/**
 * Receives one chunk (design invariant 4): token, index, exact length and digest are checked, and
 * bytes reach the chunk prefix only after their SHA-256 matched the declared one, because every
 * object created there is an event the sessions service counts. The local S3 emulator does not
 * verify ChecksumSHA256, so the digest is always computed here.
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

    // The byte budget counts chunk bodies held in memory; disk and staged chunks hold only stream
    // buffers, bounded by the request limit.
    const held = length <= this.#o.maxBufferedChunkBytes
    const mode = this.#o.receiveMode
    let inMemory = held && mode !== 'disk'
    let lease = this.#o.limiter.tryAcquire(inMemory ? length : 0)
    if (!lease && inMemory && mode === 'memory-then-disk') {
      inMemory = false
      lease = this.#o.limiter.tryAcquire(0)
    }
    if (!lease) {
      throw new AppError('UNAVAILABLE', 'the uploads service is at capacity; retry later', {
        retryAfterSeconds: this.#o.retryAfterSeconds,
      })
    }
    const key = chunkKey(this.#o.chunkPrefix, claims.uploadId, index)
    try {
      if (inMemory) await this.#receiveBuffered(request.body, key, length, digest.sha256)
      else if (held) await this.#receiveSpooled(request.body, key, length, digest.sha256)
      else await this.#receiveStreamed(request.body, key, claims.uploadId, index, length, digest.sha256)
    } finally {
      lease.release()
    }
    this.#o.log.debug({ uploadId: claims.uploadId, chunk: index, size: length }, 'chunk stored')
    return { uploadId: claims.uploadId, index, size: length }
  }

  /** Whole chunk in memory (bounded by the in-flight budget), verified, then one PutObject. */
  async #receiveBuffered(body: Readable, key: string, length: number, declared: Uint8Array): Promise<void> {
    const buffer = this.#o.pool.take(length)
    try {
      const hash = createHash('sha256')
      let received = 0
      try {
        for await (const piece of body as AsyncIterable<Buffer>) {
          if (received + piece.length > length) {
            throw new AppError('TOO_LARGE', 'the body is longer than its Content-Length')
          }
          piece.copy(buffer, received)
          hash.update(piece)
          received += piece.length
        }
      } catch (err) {
        if (err instanceof AppError) throw err
        throw new BodyIncompleteError('the client closed the request before the whole chunk arrived', {
          cause: err,
        })
      }
      if (received !== length) {
        throw new BodyIncompleteError(`the body ended after ${received} of ${length} bytes`)
      }
      const actual = hash.digest()
      assertDigest(declared, actual)
      await this.#o.store.put(key, buffer.subarray(0, length), length, declared)
    } finally {
      this.#o.pool.give(buffer)
    }
  }

  /** Like buffered, but held in a file: RSS stays flat, the page cache holds the bytes. */
  async #receiveSpooled(body: Readable, key: string, length: number, declared: Uint8Array): Promise<void> {
    const path = join(this.#o.spoolDir, randomUUID())
    const { meter, digest, received } = hashingMeter(length)
    try {
      try {
        await pipeline(body, meter, createWriteStream(path, { flags: 'wx' }))
      } catch (err) {
        if (err instanceof AppError) throw err
        throw new BodyIncompleteError('the client closed the request before the whole chunk arrived', {
          cause: err,
        })
      }
      if (received() !== length) {
        throw new BodyIncompleteError(`the body ended after ${received()} of ${length} bytes`)
      }
      assertDigest(declared, digest())
      await this.#o.store.put(key, createReadStream(path), length, declared)
    } finally {
      await rm(path, { force: true })
    }
  }

  /**
   * Chunks too long to buffer stream to a staging key outside the chunk prefix while being hashed,
   * and are copied under the chunk prefix only once the digest matched, so the prefix never holds
   * unverified bytes.
   */
  async #receiveStreamed(
    body: Readable,
    key: string,
    uploadId: string,
    index: number,
    length: number,
    declared: Uint8Array,
  ): Promise<void> {
    const stagingKey = `${this.#o.stagingPrefix}${uploadId}/${String(index).padStart(5, '0')}.${randomUUID()}`
    const { meter, digest, received } = hashingMeter(length)
    let promoted = false
    try {
      // A broken client stream does not end the S3 request by itself (pipe does not forward
      // errors): abort it, or it would wait for bytes that never come.
      const abort = new AbortController()
      const [piped, staged] = await Promise.allSettled([
        pipeline(body, meter).catch((err: unknown) => {
          abort.abort(err)
          throw err
        }),
        this.#o.store.stage(stagingKey, meter, length, declared, abort.signal),
      ])
      if (piped.status === 'rejected') {
        if (piped.reason instanceof AppError) throw piped.reason
        throw new BodyIncompleteError('the client closed the request before the whole chunk arrived', {
          cause: piped.reason,
        })
      }
      if (received() !== length) {
        throw new BodyIncompleteError(`the body ended after ${received()} of ${length} bytes`)
      }
      if (staged.status === 'rejected') throw staged.reason
      assertDigest(declared, digest())
      await this.#o.store.promote(stagingKey, key)
      promoted = true
    } finally {
      await this.#o.store.discard(stagingKey).catch((err: unknown) => {
        // Left for the staging prefix's lifecycle rule; it is outside the chunk prefix, so harmless.
        this.#o.log.warn({ err, stagingKey, promoted }, 'staged chunk not removed')
      })
    }
  }
}

/** A pass-through that hashes and counts, and fails once more than `length` bytes arrive. */
function hashingMeter(length: number) {
  const hash = createHash('sha256')
  let received = 0
  const meter = new Transform({
    transform(piece: Buffer, _encoding, callback) {
      received += piece.length
      if (received > length) {
        callback(new AppError('TOO_LARGE', 'the body is longer than its Content-Length'))
        return
      }
      hash.update(piece)
      callback(null, piece)
    },
  })
  return { meter, digest: () => hash.digest(), received: () => received }
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

function assertDigest(declared: Uint8Array, actual: Uint8Array): void {
  if (Buffer.compare(declared, actual) !== 0) {
    throw new AppError(
      'INTEGRITY_FAILED',
      'the chunk does not match its Content-Digest; nothing was stored',
      {
        details: { declared: toBase64(declared), actual: toBase64(actual) },
      },
    )
  }
}
