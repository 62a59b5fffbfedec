import { createHash, randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { type ChunkPlan, chunkLength } from '@lfusys/contracts'
import { AppError, isAppError } from '@lfusys/errors'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller, SessionsApi, Upload } from '../uploads/types.ts'
import { sha256, type TusStore } from './TusStore.ts'
import type { TusState, TusStateApi } from './types.ts'

/** A tus answer that is not one of the API's usual statuses (410, 415, 423, 460) or needs its own headers. */
export class TusError extends Error {
  readonly status: number
  readonly code: AppError['code']
  readonly headers: Record<string, string>
  constructor(status: number, code: AppError['code'], message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }
}

export interface UploadChecksum {
  algorithm: 'sha256' | 'sha1'
  digest: Buffer
}

/** Chunk buffers held by the PATCH requests of this process: bounded, over it a PATCH gets 503. */
export class MemoryBudget {
  #used = 0
  readonly #limit: number
  constructor(limit: number) {
    this.#limit = limit
  }
  get used(): number {
    return this.#used
  }
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.#limit) return false
    this.#used += bytes
    return true
  }
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }
}

export interface PatchOutcome {
  offset: number
  upload: Upload
  /** The client went away before the body ended: what arrived was kept. */
  aborted: boolean
}

const planOf = (u: Upload): ChunkPlan => ({
  fileSize: u.fileSize,
  chunkSize: u.chunkSize,
  chunkCount: u.chunkCount,
})

/** Expired, or past its expiry and not yet swept: either way it takes no more bytes. */
export function isExpired(upload: Upload, now = Date.now()): boolean {
  if (upload.status === 'expired') return true
  return (upload.status === 'created' || upload.status === 'uploading') && Date.parse(upload.expiresAt) <= now
}

/**
 * Turns tus PATCH bodies into the server's chunk plan. A PATCH may start and stop anywhere: bytes
 * are cut into chunks; each complete chunk becomes a chunk object (or, with Upload-Checksum, a
 * pending staging object promoted once the checksum matched) and the stored offset advances under
 * the upload's lock; the bytes of a partial chunk at the end go to one staging object that the next
 * PATCH, on any instance, continues from. At most one chunk buffer per PATCH is in memory.
 */
export class TusUploads {
  readonly #state: TusStateApi
  readonly #sessions: SessionsApi
  readonly #store: TusStore
  readonly #budget: MemoryBudget
  readonly #leaseMs: number
  readonly #log: FastifyBaseLogger

  constructor(deps: {
    state: TusStateApi
    sessions: SessionsApi
    store: TusStore
    budget: MemoryBudget
    leaseMs: number
    log: FastifyBaseLogger
  }) {
    this.#state = deps.state
    this.#sessions = deps.sessions
    this.#store = deps.store
    this.#budget = deps.budget
    this.#leaseMs = deps.leaseMs
    this.#log = deps.log
  }

  /** Marks a freshly created upload as a tus upload (offset 0). */
  async start(caller: Caller, uploadId: string): Promise<TusState> {
    return this.#state.startTusUpload(caller, uploadId)
  }

  /** The stored state; expired uploads are 410, ended ones 404 (tus: the resource is gone). */
  async current(caller: Caller, uploadId: string): Promise<TusState> {
    const state = await this.#state.getTusState(caller, uploadId)
    if (isExpired(state.upload)) throw new TusError(410, 'NOT_FOUND', 'the upload has expired')
    if (state.upload.status === 'cancelled') throw new TusError(404, 'NOT_FOUND', 'upload not found')
    if (state.upload.status === 'failed') {
      throw new TusError(
        410,
        'NOT_FOUND',
        `the upload failed: ${state.upload.failureReason ?? 'unknown reason'}`,
      )
    }
    return state
  }

  async patch(
    caller: Caller,
    uploadId: string,
    input: {
      offset: number
      body: Readable
      contentLength: number | undefined
      checksum: UploadChecksum | undefined
    },
  ): Promise<PatchOutcome> {
    const before = await this.current(caller, uploadId)
    const upload = before.upload
    const remaining = upload.fileSize - input.offset
    if (input.contentLength !== undefined && input.offset >= 0 && input.contentLength > remaining) {
      throw new TusError(413, 'TOO_LARGE', `the body ends past Upload-Length ${upload.fileSize}`)
    }
    if (before.offset !== input.offset) {
      throw new TusError(
        409,
        'CONFLICT',
        `Upload-Offset ${input.offset} does not match the stored offset ${before.offset}`,
      )
    }
    if (before.offset === upload.fileSize && upload.fileSize > 0) {
      // Nothing left to send (a retried last PATCH): answer the offset without taking the lock, and
      // ask for finalization again in case the first answer was lost (idempotent).
      const done = upload.status === 'created' || upload.status === 'uploading'
      return {
        offset: before.offset,
        upload: done ? await this.#sessions.completeUpload(caller, uploadId) : upload,
        aborted: false,
      }
    }
    const plan = planOf(upload)
    const reserve = Math.min(upload.chunkSize, Math.max(upload.fileSize, 1))
    if (!this.#budget.tryReserve(reserve)) {
      throw new AppError('UNAVAILABLE', 'the tus endpoint is at its memory limit; retry shortly', {
        retryAfterSeconds: 2,
      })
    }
    const lockId = randomBytes(12).toString('base64url')
    const lock = { uploadId, lockId, leaseMs: this.#leaseMs }
    try {
      let locked: TusState
      try {
        locked = await this.#state.lockTusUpload(caller, { ...lock, offset: input.offset })
      } catch (err) {
        throw lockError(err)
      }
      try {
        return await this.#write(caller, locked, plan, lockId, input)
      } finally {
        await this.#state.unlockTusUpload(caller, { uploadId, lockId }).catch((err: unknown) => {
          this.#log.warn({ err, uploadId }, 'tus unlock failed; the lock expires on its own')
        })
      }
    } finally {
      this.#budget.release(reserve)
    }
  }

  async #write(
    caller: Caller,
    locked: TusState,
    plan: ChunkPlan,
    lockId: string,
    input: { body: Readable; checksum: UploadChecksum | undefined },
  ): Promise<PatchOutcome> {
    const uploadId = locked.upload.id
    const lock = { uploadId, lockId, leaseMs: this.#leaseMs }
    const checksum = input.checksum
    const bodyHash = checksum ? createHash(checksum.algorithm) : undefined
    let committed = locked.offset
    let stagingKey = locked.stagingKey
    let lastRenewal = Date.now()
    const garbage: string[] = []

    let index = Math.min(Math.floor(committed / plan.chunkSize), plan.chunkCount - 1)
    const chunkStart = (i: number) => i * plan.chunkSize
    let buffer = Buffer.allocUnsafe(chunkLength(plan, index))
    let fill = committed - chunkStart(index)
    if (fill > 0) {
      const staged = await this.#store.getStaging(stagingKey)
      if (staged.length !== fill) {
        throw new AppError(
          'INTERNAL',
          `staging object of ${uploadId} holds ${staged.length} bytes, expected ${fill}`,
        )
      }
      staged.copy(buffer, 0)
    }
    /** Complete chunks of this PATCH awaiting the checksum. */
    const pending: { index: number; key: string; length: number; digest: Buffer }[] = []

    const advance = async (toOffset: number, nextStagingKey: string) => {
      const state = await this.#state.advanceTusUpload(caller, {
        ...lock,
        fromOffset: committed,
        toOffset,
        stagingKey: nextStagingKey,
      })
      if (stagingKey && stagingKey !== nextStagingKey) garbage.push(stagingKey)
      committed = state.offset
      stagingKey = nextStagingKey
      lastRenewal = Date.now()
    }

    const chunkDone = async () => {
      const length = buffer.length
      const digest = sha256(buffer)
      if (checksum) {
        const key = this.#store.pendingKey(uploadId, index, lockId)
        await this.#store.putStaging(key, buffer, digest)
        pending.push({ index, key, length, digest })
      } else {
        await this.#store.putChunk(uploadId, index, buffer, length, digest)
        await advance(chunkStart(index) + length, '')
      }
      fill = 0
      if (index + 1 < plan.chunkCount) {
        index += 1
        const next = chunkLength(plan, index)
        if (next !== buffer.length) buffer = Buffer.allocUnsafe(next)
      } else {
        index = plan.chunkCount
      }
    }

    let aborted = false
    let received = 0
    // A client that stops sending mid-body is treated as gone while the lock still holds, so what
    // arrived is saved and the upload is free for its next PATCH.
    let idle: NodeJS.Timeout | undefined
    const watchIdle = () => {
      clearTimeout(idle)
      idle = setTimeout(() => input.body.destroy(), this.#leaseMs / 2)
    }
    const maxBytes = plan.fileSize - locked.offset
    const consume = async (piece: Buffer) => {
      received += piece.length
      if (received > maxBytes) {
        throw new TusError(413, 'TOO_LARGE', `the body ends past Upload-Length ${plan.fileSize}`)
      }
      bodyHash?.update(piece)
      let at = 0
      while (at < piece.length) {
        const take = Math.min(piece.length - at, buffer.length - fill)
        piece.copy(buffer, fill, at, at + take)
        fill += take
        at += take
        if (fill === buffer.length) await chunkDone()
      }
    }
    try {
      // A 0-byte file is one empty chunk, complete before any body byte.
      if (buffer.length === 0 && index < plan.chunkCount) await chunkDone()
      watchIdle()
      // `for await` pauses the socket while a chunk is stored: backpressure all the way to the client.
      for await (const piece of input.body as AsyncIterable<Buffer>) {
        clearTimeout(idle)
        await consume(piece)
        // A slow PATCH keeps its lock while it makes progress.
        if (Date.now() - lastRenewal > this.#leaseMs / 3) await advance(committed, stagingKey)
        watchIdle()
      }
    } catch (err) {
      if (!isClientAbort(err, input.body)) {
        await this.#store.delete(pending.map((p) => p.key)).catch(() => undefined)
        throw err
      }
      aborted = true
      clearTimeout(idle)
      // The bytes Node had received but not yet handed over when the connection dropped.
      for (const piece of abortedBytes.get(input.body) ?? []) await consume(piece)
    } finally {
      clearTimeout(idle)
      abortedBytes.delete(input.body)
    }

    if (checksum) {
      const ok = !aborted && bodyHash !== undefined && bodyHash.digest().equals(checksum.digest)
      if (!ok) {
        // Nothing of this PATCH is kept: the offset stays where it was.
        await this.#store.delete(pending.map((p) => p.key)).catch(() => undefined)
        if (aborted) return { offset: committed, upload: locked.upload, aborted }
        throw new TusError(
          460,
          'INTEGRITY_FAILED',
          `the body does not match its Upload-Checksum (${checksum.algorithm})`,
        )
      }
      for (const p of pending) {
        await this.#store.promote(p.key, uploadId, p.index, p.length, p.digest)
        await advance(chunkStart(p.index) + p.length, '')
        garbage.push(p.key)
      }
    }

    if (index < plan.chunkCount && fill > 0) {
      const start = chunkStart(index)
      const end = start + fill
      if (end > committed) {
        const key = this.#store.partialKey(uploadId, start, end, lockId)
        await this.#store.putStaging(key, buffer.subarray(0, fill))
        await advance(end, key)
      }
    }
    await this.#store.delete(garbage).catch((err: unknown) => {
      this.#log.warn({ err, uploadId }, 'tus staging cleanup failed; the lifecycle rule removes it')
    })

    let upload = locked.upload
    if (committed === plan.fileSize) {
      // Every chunk is stored: finalization starts now instead of waiting for the last event.
      upload = await this.#sessions.completeUpload(caller, uploadId)
    }
    return { offset: committed, upload, aborted }
  }

  /** Removes what the tus endpoint staged for an upload that was terminated. */
  async discard(state: TusState): Promise<void> {
    if (state.stagingKey) await this.#store.delete([state.stagingKey]).catch(() => undefined)
  }
}

const abortedBytes = new WeakMap<Readable, Buffer[]>()

/**
 * Keeps what a request body had buffered when its client went away: Node discards a destroyed
 * stream's buffer, so it is read out in the 'aborted' event (before the handler may even have
 * started reading). Bounded by the stream's own buffering (its high-water mark).
 */
export function keepBytesOnAbort(body: Readable): void {
  body.once('aborted', () => {
    const pieces: Buffer[] = []
    for (let piece = body.read() as Buffer | null; piece !== null; piece = body.read() as Buffer | null) {
      pieces.push(piece)
    }
    abortedBytes.set(body, pieces)
  })
}

function isClientAbort(err: unknown, body: Readable): boolean {
  if (isAppError(err) || err instanceof TusError) return false
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || body.destroyed
}

/** The lock answer of the sessions service as tus statuses: 409 offset, 423 locked. */
function lockError(err: unknown): unknown {
  if (!isAppError(err) || err.code !== 'CONFLICT') return err
  const reason = err.details?.reason
  if (reason === 'locked') {
    return new TusError(423, 'CONFLICT', err.message, {
      'retry-after': String(err.retryAfterSeconds ?? 1),
    })
  }
  return new TusError(409, 'CONFLICT', err.message)
}
