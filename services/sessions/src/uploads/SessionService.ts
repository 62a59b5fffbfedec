import { createHash, randomUUID } from 'node:crypto'
import { planChunks } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import { annotate, attr, currentTraceparent, userPseudonym } from '@lfusys/telemetry'
import { signUploadToken, type UploadTokenKey } from '@lfusys/upload-token'
import type { Caller } from '../domain/Caller.ts'
import type { FileRecord } from '../domain/FileRecord.ts'
import { isFinal, RECEIVING_STATUSES, type UploadRecord } from '../domain/UploadRecord.ts'
import type { FileRepository } from '../files/FileRepository.ts'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import type { ChunkEventService } from './ChunkEventService.ts'
import type { SessionCleanup } from './SessionCleanup.ts'
import type { IdempotencyKey, UploadRepository } from './UploadRepository.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

export interface CreateUploadInput {
  fileName: string
  fileSize: number
  contentType: string
  contentHash: string | undefined
  /** The client's Idempotency-Key: a retried creation answers the upload the first one made. */
  idempotencyKey?: string | undefined
}

export interface IssuedToken {
  token: string
  expiresAt: Date
}

export type CreateUploadResult =
  | { kind: 'started'; upload: UploadRecord; token: IssuedToken; resumed: boolean }
  | { kind: 'duplicate'; file: FileRecord }

export interface SessionServiceOptions {
  baseChunkSize: number
  maxFileSize: number
  /** 0 disables the quota. */
  userQuotaBytes: number
  sessionTtlMs: number
  tokenTtlSeconds: number
  /** Per-user cap on chunks in flight, carried in each upload token (claim `cif`). */
  maxChunksInFlight?: number
  tokenKeys: readonly UploadTokenKey[]
}

export interface SessionServiceDeps {
  uploads: UploadRepository
  transitions: Pick<UploadTransitions, 'end'>
  files: FileRepository
  /** Ends a cancelled session: tells watchers and removes its chunks. */
  cleanup: Pick<SessionCleanup, 'uploadEnded'>
  /** Records chunk objects whose events were lost, for the completion call. */
  chunkEvents: Pick<ChunkEventService, 'reconcile' | 'finalize'>
  notifier: StatusNotifier
  log: Logger
  now?: () => number
}

/** Upload sessions: creation with dedup, resume and quota, reads, cancel, tokens and live status. */
export class SessionService {
  readonly #deps: SessionServiceDeps
  readonly #options: SessionServiceOptions
  readonly #now: () => number
  /** Finalizations started by completion calls, awaited on a graceful stop. */
  readonly #finalizing = new Set<Promise<unknown>>()

  constructor(deps: SessionServiceDeps, options: SessionServiceOptions) {
    this.#deps = deps
    this.#options = options
    this.#now = deps.now ?? Date.now
  }

  async create(caller: Caller, input: CreateUploadInput): Promise<CreateUploadResult> {
    const { uploads, files } = this.#deps
    annotate({ [attr.user]: userPseudonym(caller.userId), [attr.uploadBytes]: input.fileSize })
    if (input.fileSize > this.#options.maxFileSize) {
      throw new AppError('TOO_LARGE', `file size exceeds the limit of ${this.#options.maxFileSize} bytes`, {
        details: { field: 'fileSize', maxFileSize: this.#options.maxFileSize },
      })
    }
    const idempotency =
      input.idempotencyKey === undefined
        ? undefined
        : { key: input.idempotencyKey, fingerprint: fingerprint(input) }
    if (idempotency) {
      const replay = await this.#replay(caller, idempotency)
      if (replay) return replay
    }
    // Design invariant 8: a hash alone only ever finds the caller's own files.
    if (input.contentHash !== undefined) {
      const duplicate = await files.findOwnerDuplicate(caller.userId, input.contentHash, input.fileSize)
      if (duplicate) return { kind: 'duplicate', file: duplicate }
    }
    const active = await uploads.listActive(caller.userId)
    const resumable = this.#findResumable(active, input)
    if (resumable) {
      annotate({ [attr.uploadId]: resumable.uploadId })
      return { kind: 'started', upload: resumable, token: await this.#token(resumable), resumed: true }
    }
    const quota = this.#options.userQuotaBytes
    if (quota > 0 && input.fileSize > quota) await this.#quotaExceeded(caller.userId, input.fileSize)
    const plan = planChunks(input.fileSize, { baseChunkSize: this.#options.baseChunkSize })
    const now = this.#now()
    const record: UploadRecord = {
      uploadId: randomUUID(),
      userId: caller.userId,
      status: 'created',
      fileName: input.fileName,
      fileSize: plan.fileSize,
      contentType: input.contentType,
      contentHash: input.contentHash,
      chunkSize: plan.chunkSize,
      chunkCount: plan.chunkCount,
      received: [],
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.#options.sessionTtlMs,
      leaseOwner: undefined,
      leaseExpiresAt: undefined,
      multipartUploadId: undefined,
      multipartUploadIds: [],
      fileId: undefined,
      failureReason: undefined,
      integrityCheck: undefined,
      finalizations: 0,
      traceparent: currentTraceparent(),
      reservedBytes: plan.fileSize,
    }
    // The session, its idempotency key and the quota reservation commit together or not at all.
    const stored = await uploads.create(record, {
      ...(idempotency ? { idempotency } : {}),
      ...(record.reservedBytes > 0
        ? { quota: files.reserveItem(caller.userId, record.reservedBytes, quota) }
        : {}),
    })
    if (stored === 'refused') await this.#quotaExceeded(caller.userId, input.fileSize)
    if (stored === 'key-taken' && idempotency) {
      // A retry of the same creation won the race: answer what it made.
      const replay = await this.#replay(caller, idempotency)
      if (replay) return replay
      throw new AppError('UNAVAILABLE', 'upload creation conflicted, retry', { retryAfterSeconds: 1 })
    }
    annotate({ [attr.uploadId]: record.uploadId, [attr.chunkCount]: record.chunkCount })
    this.#deps.log.info(
      {
        uploadId: record.uploadId,
        userId: caller.userId,
        fileSize: record.fileSize,
        chunkCount: record.chunkCount,
      },
      'upload created',
    )
    return { kind: 'started', upload: record, token: await this.#token(record), resumed: false }
  }

  /** The upload an earlier request with this Idempotency-Key created, answered again. */
  async #replay(caller: Caller, idempotency: IdempotencyKey): Promise<CreateUploadResult | undefined> {
    const earlier = await this.#deps.uploads.findByIdempotencyKey(caller.userId, idempotency.key)
    if (!earlier) return undefined
    if (earlier.fingerprint !== idempotency.fingerprint) {
      throw new AppError('CONFLICT', 'this Idempotency-Key was used for another upload', {
        details: { field: 'Idempotency-Key' },
      })
    }
    const upload = await this.#deps.uploads.get(earlier.uploadId)
    if (!upload) {
      throw new AppError('PRECONDITION_FAILED', 'the upload this Idempotency-Key created no longer exists', {
        details: { field: 'Idempotency-Key' },
      })
    }
    return { kind: 'started', upload, token: await this.#token(upload), resumed: false }
  }

  /** Refuses a creation over the quota, saying what is stored and what is held by unfinished uploads. */
  async #quotaExceeded(userId: string, requestedBytes: number): Promise<never> {
    const usage = await this.#deps.files.usageOf(userId)
    throw new AppError('QUOTA_EXCEEDED', 'storage quota exceeded', {
      details: {
        quotaBytes: this.#options.userQuotaBytes,
        usedBytes: usage.storedBytes,
        pendingBytes: usage.reservedBytes,
        requestedBytes,
      },
    })
  }

  /** Resume only what is provably the same file: by declared hash and size. */
  #findResumable(active: UploadRecord[], input: CreateUploadInput): UploadRecord | undefined {
    const receiving = active.filter(
      (u) => RECEIVING_STATUSES.includes(u.status) && u.fileSize === input.fileSize,
    )
    if (input.contentHash === undefined) return undefined
    return receiving.find((u) => u.contentHash === input.contentHash)
  }

  /** What the caller stores, what their unfinished uploads hold of the quota, and the quota (0: none). */
  async usage(caller: Caller): Promise<{ usedBytes: number; pendingBytes: number; quotaBytes: number }> {
    const usage = await this.#deps.files.usageOf(caller.userId)
    return {
      usedBytes: usage.storedBytes,
      pendingBytes: usage.reservedBytes,
      quotaBytes: this.#options.userQuotaBytes,
    }
  }

  async #token(record: UploadRecord): Promise<IssuedToken> {
    return signUploadToken(
      this.#options.tokenKeys,
      {
        userId: record.userId,
        uploadId: record.uploadId,
        fileSize: record.fileSize,
        chunkSize: record.chunkSize,
        chunkCount: record.chunkCount,
        traceparent: record.traceparent,
        maxChunksInFlight: this.#options.maxChunksInFlight,
      },
      this.#options.tokenTtlSeconds,
      new Date(this.#now()),
    )
  }

  /** Another user's upload is reported as missing, so ids cannot be probed. */
  async get(caller: Caller, uploadId: string): Promise<UploadRecord> {
    const record = await this.#deps.uploads.get(uploadId)
    if (!record || (record.userId !== caller.userId && !caller.isAdmin)) {
      throw new AppError('NOT_FOUND', 'upload not found', { details: { uploadId } })
    }
    return record
  }

  async listActive(caller: Caller): Promise<UploadRecord[]> {
    return this.#deps.uploads.listActive(caller.userId)
  }

  async renewToken(caller: Caller, uploadId: string): Promise<IssuedToken> {
    const record = await this.get(caller, uploadId)
    if (!RECEIVING_STATUSES.includes(record.status)) {
      throw new AppError('PRECONDITION_FAILED', `upload is ${record.status} and takes no more chunks`, {
        details: { uploadId, status: record.status },
      })
    }
    return this.#token(record)
  }

  /**
   * The client has stored every chunk (as S3's CompleteMultipartUpload): whatever the chunk events
   * missed is recorded from a listing of the upload's chunk objects, and finalization starts when
   * the set is complete, so a lost event costs seconds instead of waiting for the sweeper.
   * Idempotent: repeated calls, calls racing the consumer and calls after the end change nothing
   * (the received set is a set and the lease admits one holder). A finalization whose holder died
   * (lease run out) is taken over. Finalization runs after the answer (it can take a while for
   * large files); the client follows the upload to its final state as before.
   */
  async complete(caller: Caller, uploadId: string): Promise<UploadRecord> {
    const record = await this.get(caller, uploadId)
    if (isFinal(record.status)) return record
    if (record.status === 'finalizing') {
      if ((record.leaseExpiresAt ?? 0) < this.#now()) this.#finalizeLater(uploadId)
      return record
    }
    const { upload, missing } = await this.#deps.chunkEvents.reconcile(record)
    if (isFinal(upload.status)) return upload
    if (missing.length > 0) {
      throw new AppError(
        'PRECONDITION_FAILED',
        `${missing.length} of ${upload.chunkCount} chunks are not stored; send them, then complete again`,
        { details: { uploadId, missing: missing.slice(0, 1000) } },
      )
    }
    const leaseRunOut = upload.status === 'finalizing' && (upload.leaseExpiresAt ?? 0) < this.#now()
    if ((upload.status === 'uploading' && upload.received.length >= upload.chunkCount) || leaseRunOut) {
      this.#finalizeLater(uploadId)
    }
    this.#deps.log.info({ uploadId, status: upload.status }, 'upload completion requested')
    return upload
  }

  #finalizeLater(uploadId: string): void {
    const run = this.#deps.chunkEvents
      .finalize(uploadId)
      .catch((err: unknown) => {
        // The lease was given back (or expires); the next completion call or event retries.
        this.#deps.log.warn({ err, uploadId }, 'finalization after the completion call failed')
      })
      .finally(() => this.#finalizing.delete(run))
    this.#finalizing.add(run)
  }

  /** Waits for finalizations that completion calls started (a graceful stop). */
  async drain(): Promise<void> {
    while (this.#finalizing.size > 0) await Promise.all([...this.#finalizing])
  }

  /** Cancelling twice answers the cancelled session; a finalizing or finished upload cannot be. */
  async cancel(caller: Caller, uploadId: string): Promise<UploadRecord> {
    const record = await this.get(caller, uploadId)
    if (record.status === 'cancelled') return record
    const ended = await this.#deps.transitions.end(uploadId, 'cancelled', this.#now())
    if (!ended) {
      const current = await this.get(caller, uploadId)
      if (current.status === 'cancelled') return current
      throw new AppError(
        'PRECONDITION_FAILED',
        `upload is ${current.status} and can no longer be cancelled`,
        {
          details: { uploadId, status: current.status },
        },
      )
    }
    this.#deps.log.info({ uploadId }, 'upload cancelled')
    await this.#deps.cleanup.uploadEnded(uploadId, 'cancelled')
    return ended
  }

  /**
   * Yields the current state, then each change, until a final state or `signal` aborts. Changes are
   * announced over Redis; DynamoDB is polled as well (slowly while Redis works, at
   * `pollIntervalMs` when it does not), so a missed announcement only delays an update.
   */
  async *watch(caller: Caller, uploadId: string, pollIntervalMs: number, signal: AbortSignal) {
    let current = await this.get(caller, uploadId)
    yield current
    if (isFinal(current.status)) return
    let wake: (() => void) | undefined
    let pending = false
    const unsubscribe = this.#deps.notifier.subscribe(uploadId, () => {
      pending = true
      wake?.()
    })
    const onAbort = () => wake?.()
    signal.addEventListener('abort', onAbort)
    try {
      while (!signal.aborted) {
        if (!pending) {
          const interval = this.#deps.notifier.live() ? Math.max(pollIntervalMs, 5000) : pollIntervalMs
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, interval)
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
          wake = undefined
        }
        pending = false
        if (signal.aborted) return
        const next = await this.get(caller, uploadId)
        if (
          next.status !== current.status ||
          next.received.length !== current.received.length ||
          next.updatedAt !== current.updatedAt
        ) {
          current = next
          yield current
          if (isFinal(current.status)) return
        }
      }
    } finally {
      unsubscribe()
      signal.removeEventListener('abort', onAbort)
    }
  }
}

/** What a creation asked for: a key sent again with another request is a client bug, not a retry. */
function fingerprint(input: CreateUploadInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.fileName, input.fileSize, input.contentType, input.contentHash ?? null]))
    .digest('base64url')
}
