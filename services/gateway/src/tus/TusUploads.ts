import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { ChunkPlan } from '@lfusys/contracts'
import { AppError, isAppError } from '@lfusys/errors'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller, SessionsApi, Upload } from '../uploads/types.ts'
import type { MemoryBudget } from './MemoryBudget.ts'
import { TusError } from './TusError.ts'
import { TusPatchWrite, type UploadChecksum } from './TusPatchWrite.ts'
import type { TusStore } from './TusStore.ts'
import type { TusState, TusStateApi } from './types.ts'

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
 * PATCH, on any instance, continues from. At most two chunk buffers per PATCH are in memory
 * (TusPatchWrite), both reserved from the process's MemoryBudget.
 */
export class TusUploads {
  readonly #state: TusStateApi
  readonly #sessions: SessionsApi
  readonly #store: TusStore
  readonly #budget: MemoryBudget
  readonly #leaseMs: number
  readonly #log: FastifyBaseLogger
  readonly #follow: (caller: Caller, uploadId: string) => void

  constructor(deps: {
    state: TusStateApi
    sessions: SessionsApi
    store: TusStore
    budget: MemoryBudget
    leaseMs: number
    log: FastifyBaseLogger
    /** Follows an upload whose finalization a PATCH started, to its final state (files list). */
    follow?: (caller: Caller, uploadId: string) => void
  }) {
    this.#state = deps.state
    this.#sessions = deps.sessions
    this.#store = deps.store
    this.#budget = deps.budget
    this.#leaseMs = deps.leaseMs
    this.#log = deps.log
    this.#follow = deps.follow ?? (() => {})
  }

  /** Every chunk is stored: finalization starts now (idempotent), and the upload is followed to its end. */
  async #complete(caller: Caller, uploadId: string): Promise<Upload> {
    const upload = await this.#sessions.completeUpload(caller, uploadId)
    this.#follow(caller, uploadId)
    return upload
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

  /**
   * Takes the lock first: its conditional write checks the offset and answers the state, so a PATCH
   * costs the lock and its advances (the last one releasing the lock), no read before. When the lock
   * is refused, the stored state is read to answer what a request without the lock would get, in
   * the same order (404/410, 413, 409, a finished upload's offset), and otherwise the lock's 409/423.
   */
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
    const lockId = randomBytes(12).toString('base64url')
    let locked: TusState
    try {
      locked = await this.#state.lockTusUpload(caller, {
        uploadId,
        lockId,
        leaseMs: this.#leaseMs,
        offset: input.offset,
      })
    } catch (err) {
      if (!isAppError(err) || err.code !== 'CONFLICT') throw err
      return this.#refused(caller, uploadId, input, err)
    }
    let lockHeld = true
    try {
      const upload = locked.upload
      if (isExpired(upload)) throw new TusError(410, 'NOT_FOUND', 'the upload has expired')
      checkLength(upload, input)
      if (locked.offset === upload.fileSize && upload.fileSize > 0) {
        lockHeld = false
        await this.#unlock(caller, uploadId, lockId)
        return {
          offset: locked.offset,
          upload: await this.#complete(caller, uploadId),
          aborted: false,
        }
      }
      const bufferBytes = Math.min(upload.chunkSize, Math.max(upload.fileSize, 1))
      if (!this.#budget.tryReserve(bufferBytes)) {
        throw new AppError('UNAVAILABLE', 'the tus endpoint is at its memory limit; retry shortly', {
          retryAfterSeconds: 2,
        })
      }
      // A second buffer lets the body go on while a chunk is stored; only when the body may reach
      // past the current chunk, and only when the budget has room (otherwise one chunk at a time).
      const inChunk = upload.chunkSize - (locked.offset % upload.chunkSize)
      const coming = input.contentLength ?? upload.fileSize - locked.offset
      const buffers = coming > inChunk && this.#budget.tryReserve(bufferBytes) ? 2 : 1
      try {
        const written = await new TusPatchWrite(
          { state: this.#state, store: this.#store, leaseMs: this.#leaseMs, log: this.#log },
          {
            caller,
            locked,
            lockId,
            plan: planOf(upload),
            buffers,
            bufferBytes,
            body: input.body,
            contentLength: input.contentLength,
            checksum: input.checksum,
          },
        ).run()
        lockHeld = written.lockHeld
        let outcome = upload
        if (written.offset === upload.fileSize) {
          // Every chunk is stored: finalization starts now instead of waiting for the last event.
          outcome = await this.#complete(caller, uploadId)
        }
        return { offset: written.offset, upload: outcome, aborted: written.aborted }
      } finally {
        this.#budget.release(bufferBytes * buffers)
      }
    } finally {
      if (lockHeld) await this.#unlock(caller, uploadId, lockId)
    }
  }

  /** The answer to a PATCH whose lock was refused (CONFLICT: offset, status, or held by another). */
  async #refused(
    caller: Caller,
    uploadId: string,
    input: { offset: number; contentLength: number | undefined },
    refusal: AppError,
  ): Promise<PatchOutcome> {
    const state = await this.current(caller, uploadId)
    const upload = state.upload
    checkLength(upload, input)
    if (state.offset !== input.offset) {
      throw new TusError(
        409,
        'CONFLICT',
        `Upload-Offset ${input.offset} does not match the stored offset ${state.offset}`,
      )
    }
    if (state.offset === upload.fileSize && upload.fileSize > 0) {
      // Nothing left to send (a retried last PATCH): answer the offset without the lock, and ask for
      // finalization again in case the first answer was lost (idempotent).
      const active = upload.status === 'created' || upload.status === 'uploading'
      return {
        offset: state.offset,
        upload: active ? await this.#complete(caller, uploadId) : upload,
        aborted: false,
      }
    }
    throw lockError(refusal)
  }

  async #unlock(caller: Caller, uploadId: string, lockId: string) {
    await this.#state.unlockTusUpload(caller, { uploadId, lockId }).catch((err: unknown) => {
      this.#log.warn({ err, uploadId }, 'tus unlock failed; the lock expires on its own')
    })
  }

  /** Removes what the tus endpoint staged for an upload that was terminated. */
  async discard(state: TusState): Promise<void> {
    if (state.stagingKey) await this.#store.delete([state.stagingKey]).catch(() => undefined)
  }
}

/** The lock answer of the sessions service as tus statuses: 409 offset, 423 locked. */
function lockError(err: AppError): Error {
  const reason = err.details?.reason
  if (reason === 'locked') {
    return new TusError(423, 'CONFLICT', err.message, {
      'retry-after': String(err.retryAfterSeconds ?? 1),
    })
  }
  return new TusError(409, 'CONFLICT', err.message)
}

/** A body that cannot fit: 413 before a byte is read. */
function checkLength(upload: Upload, input: { offset: number; contentLength: number | undefined }) {
  if (input.contentLength !== undefined && input.contentLength > upload.fileSize - input.offset) {
    throw new TusError(413, 'TOO_LARGE', `the body ends past Upload-Length ${upload.fileSize}`)
  }
}
