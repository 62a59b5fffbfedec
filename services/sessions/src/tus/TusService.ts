import { AppError } from '@lfusys/errors'
import type { Caller } from '../domain/Caller.ts'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import type { SessionService } from '../uploads/SessionService.ts'
import type { TusStateRecord, TusStateRepository } from './TusStateRepository.ts'

export interface TusView {
  session: UploadRecord
  state: TusStateRecord
}

/** The longest lock a request may ask for: a stalled gateway blocks an upload at most this long. */
export const MAX_TUS_LEASE_MS = 5 * 60_000

/**
 * The tus state of uploads (offset, staging object, lock), checked against the upload's owner: an
 * upload of another user, admins included, is NOT_FOUND, as is an upload that is not a tus upload.
 */
export class TusService {
  readonly #sessions: SessionService
  readonly #repo: TusStateRepository
  readonly #now: () => number

  constructor(deps: { sessions: SessionService; repo: TusStateRepository; now?: () => number }) {
    this.#sessions = deps.sessions
    this.#repo = deps.repo
    this.#now = deps.now ?? Date.now
  }

  async start(caller: Caller, uploadId: string): Promise<TusView> {
    const session = await this.#own(caller, uploadId)
    // The state outlives the session item by a day, so the sweeper and TTL find it in time.
    const state = await this.#repo.start(uploadId, Math.ceil(session.expiresAt / 1000) + 86_400, {
      userId: session.userId,
      fileSize: session.fileSize,
    })
    return { session, state }
  }

  async get(caller: Caller, uploadId: string): Promise<TusView> {
    const session = await this.#own(caller, uploadId)
    const state = await this.#repo.get(uploadId)
    if (!state) throw notFound(uploadId)
    return { session, state }
  }

  /**
   * The item names its owner, so the lock's conditional write checks ownership itself and the
   * session (status, and the answer) is read beside it: one round trip. A lock taken on an upload
   * that turns out to take no more bytes is released before the refusal.
   */
  async lock(
    caller: Caller,
    input: { uploadId: string; lockId: string; offset: number; leaseMs: number },
  ): Promise<TusView> {
    const request = { ...input, leaseMs: lease(input.leaseMs), userId: caller.userId }
    const [owned, locking] = await Promise.allSettled([
      this.#own(caller, input.uploadId),
      this.#repo.lock(input.uploadId, request, this.#now()),
    ])
    const taken = locking.status === 'fulfilled' && locking.value.kind === 'locked'
    const release = () => (taken ? this.#repo.unlock(input.uploadId, input.lockId) : Promise.resolve())
    if (owned.status === 'rejected') {
      await release()
      throw owned.reason
    }
    const session = owned.value
    if (session.status !== 'created' && session.status !== 'uploading') {
      await release()
      throw new AppError('CONFLICT', `the upload is ${session.status} and takes no more bytes`, {
        details: { reason: 'status', status: session.status },
      })
    }
    if (locking.status === 'rejected') throw locking.reason
    let outcome = locking.value
    if (outcome.kind === 'unowned') {
      outcome = await this.#repo.lock(
        input.uploadId,
        { ...request, adopt: { fileSize: session.fileSize } },
        this.#now(),
      )
    }
    switch (outcome.kind) {
      case 'locked':
        return { session, state: outcome.state }
      case 'missing':
      case 'unowned':
        throw notFound(input.uploadId)
      case 'offset_mismatch':
        throw new AppError(
          'CONFLICT',
          `Upload-Offset ${input.offset} does not match the stored offset ${outcome.state.offset}`,
          { details: { reason: 'offset', offset: outcome.state.offset } },
        )
      case 'busy':
        throw new AppError('CONFLICT', 'another request is writing to this upload', {
          details: { reason: 'locked' },
          retryAfterSeconds: Math.max(1, Math.ceil((outcome.state.lockExpiresAt - this.#now()) / 1000)),
        })
    }
  }

  async advance(
    caller: Caller,
    input: {
      uploadId: string
      lockId: string
      fromOffset: number
      toOffset: number
      stagingKey: string
      leaseMs: number
      /** The request's last write: release the lock instead of renewing it. */
      unlock: boolean
    },
  ): Promise<TusView> {
    if (input.toOffset < input.fromOffset) {
      throw new AppError('VALIDATION_FAILED', `offset ${input.toOffset} is before ${input.fromOffset}`)
    }
    // The write checks the lock, its owner and the file size itself, so the session (for the
    // answer and the refusals) is read beside it instead of before it: one round trip per chunk.
    const [owned, written] = await Promise.allSettled([
      this.#own(caller, input.uploadId),
      this.#repo.advance(
        input.uploadId,
        { ...input, userId: caller.userId, leaseMs: lease(input.leaseMs) },
        this.#now(),
      ),
    ])
    if (owned.status === 'rejected') throw owned.reason
    if (written.status === 'rejected') throw written.reason
    const session = owned.value
    if (input.toOffset > session.fileSize) {
      throw new AppError(
        'VALIDATION_FAILED',
        `offset ${input.toOffset} is outside ${input.fromOffset}..${session.fileSize}`,
      )
    }
    if (!written.value) {
      throw new AppError('CONFLICT', 'the lock on this upload was lost or its offset moved', {
        details: { reason: 'lock_lost' },
      })
    }
    return { session, state: written.value }
  }

  async unlock(caller: Caller, input: { uploadId: string; lockId: string }): Promise<TusView> {
    const session = await this.#own(caller, input.uploadId)
    await this.#repo.unlock(input.uploadId, input.lockId)
    const state = await this.#repo.get(input.uploadId)
    if (!state) throw notFound(input.uploadId)
    return { session, state }
  }

  async #own(caller: Caller, uploadId: string): Promise<UploadRecord> {
    const session = await this.#sessions.get(caller, uploadId)
    if (session.userId !== caller.userId) throw notFound(uploadId)
    return session
  }
}

function lease(ms: number): number {
  if (!Number.isInteger(ms) || ms < 1000) return 1000
  return Math.min(ms, MAX_TUS_LEASE_MS)
}

function notFound(uploadId: string): AppError {
  return new AppError('NOT_FOUND', 'upload not found', { details: { uploadId } })
}
