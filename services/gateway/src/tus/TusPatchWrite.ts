import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { type ChunkPlan, chunkLength } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller } from '../uploads/types.ts'
import { isClientAbort, takeKeptBytes } from './keepBytesOnAbort.ts'
import { TusAdvances } from './TusAdvances.ts'
import { TusError } from './TusError.ts'
import type { TusStore } from './TusStore.ts'
import type { TusState, TusStateApi } from './types.ts'

export interface UploadChecksum {
  algorithm: 'sha256' | 'sha1'
  digest: Buffer
}

export interface PatchWriteInput {
  caller: Caller
  /** The state as the lock returned it: this request holds the lock with `lockId`. */
  locked: TusState
  lockId: string
  plan: ChunkPlan
  /** Chunk buffers reserved for this request: 1 stores each chunk before reading on; 2 overlap. */
  buffers: 1 | 2
  /** Bytes of one buffer (the chunk size, or the file size when smaller). */
  bufferBytes: number
  body: Readable
  contentLength: number | undefined
  checksum: UploadChecksum | undefined
}

export interface PatchWriteResult {
  offset: number
  /** The client went away before the body ended: what arrived was kept. */
  aborted: boolean
  /** Whether this request still holds the lock (its last advance normally released it). */
  lockHeld: boolean
}

interface Chunk {
  index: number
  start: number
  length: number
  buffer: Buffer
  fill: number
  hash: Hash
}

const noop = () => undefined

/**
 * One PATCH body under its lock: bytes are cut at the chunk plan's boundaries into at most
 * `buffers` chunk buffers. A full chunk is stored (PutObject) while the body goes on into the other
 * buffer; the reader waits only when both are taken. Offset writes (AdvanceTusUpload) run strictly
 * in chunk order, each after its own chunk is stored, so the stored offset never covers a chunk that
 * is not; the last one releases the lock in the same write. A failed store stops the reading at
 * once: the answer is the error, the offset stays at the end of the last stored chunk.
 */
export class TusPatchWrite {
  readonly #store: TusStore
  readonly #leaseMs: number
  readonly #log: FastifyBaseLogger
  readonly #in: PatchWriteInput
  readonly #uploadId: string

  readonly #advances: TusAdvances
  #failure: { error: unknown } | undefined
  /** Ends the current wait (for a body piece or a buffer) when a store fails. */
  #interrupt: (() => void) | undefined
  #received = 0
  #current: Chunk | undefined
  #nextIndex: number
  #allocated = 0
  readonly #free: Buffer[] = []
  readonly #inFlight: { settled: Promise<void> }[] = []
  /** Complete chunks of a checksum PATCH, stored as pending objects until the body is verified. */
  readonly #pending: { index: number; key: string; length: number; digest: Buffer; stored: Promise<void> }[] =
    []
  /** Pending objects copied to their chunk keys: removed after the request. */
  readonly #promoted: string[] = []
  readonly #bodyHash: Hash | undefined

  constructor(
    deps: { state: TusStateApi; store: TusStore; leaseMs: number; log: FastifyBaseLogger },
    input: PatchWriteInput,
  ) {
    this.#store = deps.store
    this.#leaseMs = deps.leaseMs
    this.#log = deps.log
    this.#in = input
    this.#uploadId = input.locked.upload.id
    this.#advances = new TusAdvances(
      deps.state,
      input.caller,
      {
        uploadId: this.#uploadId,
        lockId: input.lockId,
        leaseMs: deps.leaseMs,
        offset: input.locked.offset,
        stagingKey: input.locked.stagingKey,
      },
      (err) => this.#fail(err),
    )
    this.#nextIndex = Math.min(
      Math.floor(input.locked.offset / input.plan.chunkSize),
      input.plan.chunkCount - 1,
    )
    this.#bodyHash = input.checksum ? createHash(input.checksum.algorithm) : undefined
  }

  async run(): Promise<PatchWriteResult> {
    try {
      await this.#resume()
      const aborted = await this.#receive()
      const offset = await this.#finish(aborted)
      return { offset, aborted, lockHeld: this.#advances.lockHeld }
    } catch (err) {
      this.#fail(err)
      // No buffer goes back to the budget while a store still reads it.
      await this.#settled()
      if (this.#in.checksum) await this.#discardPending()
      throw err
    }
  }

  /** The partial chunk staged by an earlier PATCH continues in the first buffer. */
  async #resume() {
    const { plan } = this.#in
    const index = this.#nextIndex
    const start = index * plan.chunkSize
    const staged = this.#in.locked.offset - start
    if (staged > 0) {
      const bytes = await this.#store.getStaging(this.#in.locked.stagingKey)
      if (bytes.length !== staged) {
        throw new AppError(
          'INTERNAL',
          `staging object of ${this.#uploadId} holds ${bytes.length} bytes, expected ${staged}`,
        )
      }
      const chunk = await this.#open()
      bytes.copy(chunk.buffer, 0)
      chunk.hash.update(bytes)
      chunk.fill = staged
    } else if (chunkLength(plan, index) === 0) {
      // A 0-byte file is one empty chunk, complete before any body byte.
      this.#full(await this.#open())
    }
  }

  /** Reads the body; true when the client went away before its end. */
  async #receive(): Promise<boolean> {
    const body = this.#in.body
    const pieces = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
    // A client that stops sending mid-body is treated as gone while the lock still holds, so what
    // arrived is saved and the upload is free for its next PATCH.
    let idle: NodeJS.Timeout | undefined
    const watchIdle = () => {
      clearTimeout(idle)
      idle = setTimeout(() => body.destroy(), this.#leaseMs / 2)
    }
    try {
      watchIdle()
      for (;;) {
        // Pulling one piece at a time pauses the socket while both buffers are taken: backpressure
        // all the way to the client. A failed store ends the wait without the client's next byte.
        const next = await this.#unlessFailed(pieces.next())
        clearTimeout(idle)
        if (next.done) return false
        await this.#consume(next.value)
        this.#advances.renewIfDue()
        watchIdle()
      }
    } catch (err) {
      if (this.#failure !== undefined || !isClientAbort(err, body)) throw err
      clearTimeout(idle)
      // The bytes Node had received but not yet handed over when the connection dropped.
      for (const piece of takeKeptBytes(body)) await this.#consume(piece)
      return true
    } finally {
      clearTimeout(idle)
      takeKeptBytes(body)
    }
  }

  async #consume(piece: Buffer) {
    const { plan, contentLength } = this.#in
    this.#received += piece.length
    if (this.#received > plan.fileSize - this.#in.locked.offset) {
      throw new TusError(413, 'TOO_LARGE', `the body ends past Upload-Length ${plan.fileSize}`)
    }
    this.#bodyHash?.update(piece)
    let at = 0
    while (at < piece.length) {
      const chunk = this.#current ?? (await this.#open())
      const take = Math.min(piece.length - at, chunk.length - chunk.fill)
      piece.copy(chunk.buffer, chunk.fill, at, at + take)
      // Hashing as the bytes arrive: the digest is ready when the chunk's last byte is.
      chunk.hash.update(piece.subarray(at, at + take))
      chunk.fill += take
      at += take
      if (chunk.fill === chunk.length) this.#full(chunk)
    }
    // With the whole declared body in, the chunk just queued is this request's last write.
    if (this.#received === contentLength && !this.#current && !this.#in.checksum) {
      if (this.#advances.pendingLast()) this.#advances.close()
    }
  }

  /** The next chunk's buffer: a free one, or the first to come back from a store. */
  async #open(): Promise<Chunk> {
    const { plan, bufferBytes } = this.#in
    if (this.#nextIndex >= plan.chunkCount) {
      throw new TusError(413, 'TOO_LARGE', `the body ends past Upload-Length ${plan.fileSize}`)
    }
    let buffer = this.#free.pop()
    if (!buffer && this.#allocated < this.#in.buffers) {
      buffer = Buffer.allocUnsafe(bufferBytes)
      this.#allocated += 1
    }
    while (!buffer) {
      const oldest = this.#inFlight[0]
      if (!oldest) throw new AppError('INTERNAL', 'no chunk buffer is free and none is being stored')
      await this.#unlessFailed(oldest.settled)
      buffer = this.#free.pop()
    }
    const index = this.#nextIndex
    this.#nextIndex += 1
    const chunk = {
      index,
      start: index * plan.chunkSize,
      length: chunkLength(plan, index),
      buffer,
      fill: 0,
      hash: createHash('sha256'),
    }
    this.#current = chunk
    return chunk
  }

  /** Stores a complete chunk in the background and queues its offset write behind it. */
  #full(chunk: Chunk) {
    this.#current = undefined
    const { checksum } = this.#in
    const bytes = chunk.buffer.subarray(0, chunk.length)
    const digest = chunk.hash.digest()
    let stored: Promise<void>
    if (checksum) {
      const key = this.#store.pendingKey(this.#uploadId, chunk.index, this.#in.lockId)
      stored = this.#store.putStaging(key, bytes, digest)
      this.#pending.push({ index: chunk.index, key, length: chunk.length, digest, stored })
    } else {
      stored = this.#store.putChunk(this.#uploadId, chunk.index, bytes, chunk.length, digest)
      const end = chunk.start + chunk.length
      this.#advances.queue(stored, () => ({ toOffset: end, stagingKey: '' }))
    }
    const entry = {
      settled: stored
        .then(noop, (err: unknown) => this.#fail(err))
        .then(() => {
          this.#inFlight.splice(this.#inFlight.indexOf(entry), 1)
          this.#free.push(chunk.buffer)
        }),
    }
    this.#inFlight.push(entry)
  }

  #fail(error: unknown) {
    if (this.#failure) return
    this.#failure = { error }
    this.#interrupt?.()
  }

  #throwIfFailed() {
    if (this.#failure) throw this.#failure.error
  }

  /**
   * Waits for `promise`, or throws the failure as soon as a store fails. A fresh promise per wait:
   * racing every body piece against one long-lived promise would keep each piece reachable from it.
   */
  #unlessFailed<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const failed = () => reject(this.#failure?.error)
      if (this.#failure) return failed()
      this.#interrupt = failed
      promise.then(resolve, reject).finally(() => {
        if (this.#interrupt === failed) this.#interrupt = undefined
      })
    })
  }

  async #settled() {
    await Promise.all(this.#inFlight.map((entry) => entry.settled))
    await this.#advances.settled()
  }

  /** After the body: the stores and writes still running, the tail, the release of the lock. */
  async #finish(aborted: boolean): Promise<number> {
    const { checksum } = this.#in
    this.#throwIfFailed()
    if (checksum) {
      // The body's checksum decides over every chunk of it: all are stored (pending) first.
      await Promise.all(this.#inFlight.map((entry) => entry.settled))
      this.#throwIfFailed()
      const ok = !aborted && this.#bodyHash?.digest().equals(checksum.digest) === true
      if (!ok) {
        // Nothing of this PATCH is kept: the offset stays where it was.
        await this.#discardPending()
        if (aborted) {
          await this.#advances.done()
          return this.#advances.committed
        }
        throw new TusError(
          460,
          'INTEGRITY_FAILED',
          `the body does not match its Upload-Checksum (${checksum.algorithm})`,
        )
      }
      this.#promotePending()
    }
    // The tail is staged while earlier chunks may still be stored; its write comes after theirs.
    const tail = this.#current
    if (tail && tail.fill > 0 && tail.start + tail.fill > this.#advances.committed) {
      const key = this.#store.partialKey(this.#uploadId, tail.start, tail.start + tail.fill, this.#in.lockId)
      const end = tail.start + tail.fill
      const staged = this.#store.putStaging(key, tail.buffer.subarray(0, tail.fill), tail.hash.digest())
      this.#inFlight.push({ settled: staged.then(noop, noop) })
      this.#advances.queue(staged, () => ({ toOffset: end, stagingKey: key }))
    }
    this.#advances.close()
    await this.#advances.done()
    await this.#store.delete([...this.#advances.replaced, ...this.#promoted]).catch((err: unknown) => {
      this.#log.warn(
        { err, uploadId: this.#uploadId },
        'tus staging cleanup failed; the lifecycle rule removes it',
      )
    })
    return this.#advances.committed
  }

  /** Verified pending chunks go to their chunk keys one after another, each advancing the offset. */
  #promotePending() {
    let previous: Promise<void> = Promise.resolve()
    for (const p of this.#pending) {
      const promoted = previous.then(() =>
        this.#store.promote(p.key, this.#uploadId, p.index, p.length, p.digest),
      )
      previous = promoted
      const end = p.index * this.#in.plan.chunkSize + p.length
      this.#advances.queue(promoted, () => ({ toOffset: end, stagingKey: '' }))
      this.#promoted.push(p.key)
    }
  }

  async #discardPending() {
    await Promise.all(this.#pending.map((p) => p.stored.catch(noop)))
    await this.#store.delete(this.#pending.map((p) => p.key)).catch(noop)
  }
}
