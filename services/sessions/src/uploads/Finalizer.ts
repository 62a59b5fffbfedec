import { contentHashFromDigests, fromBase64, objectKey } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import { attr, meters, userPseudonym, withUploadSpan } from '@lfusys/telemetry'
import type { FileRecord } from '../domain/FileRecord.ts'
import type { IntegrityCheck } from '../domain/UploadRecord.ts'
import type { FileRepository } from '../files/FileRepository.ts'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import { type Assembler, type AssemblyRun, IntegrityError } from './Assembler.ts'
import type { ChunkRepository } from './ChunkRepository.ts'
import { FinalizationLease, LeaseLostError, takeoverDelay } from './FinalizationLease.ts'
import type { SessionCleanup } from './SessionCleanup.ts'
import type { UploadRepository } from './UploadRepository.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

export interface FinalizerOptions {
  objectPrefix: string
  leaseMs: number
  /** Identifies this process in leases (host:pid). */
  workerId: string
}

export interface FinalizerDeps {
  uploads: Pick<UploadRepository, 'get'>
  transitions: Pick<
    UploadTransitions,
    'acquireLease' | 'renewLease' | 'releaseLease' | 'markFailed' | 'completionUpdate'
  >
  chunks: Pick<ChunkRepository, 'chunks'>
  files: Pick<FileRepository, 'getObject' | 'completeUpload'>
  assembler: Pick<Assembler, 'assemble' | 'ensureStored'>
  cleanup: Pick<SessionCleanup, 'uploadEnded'>
  notifier: StatusNotifier
  log: Logger
  now?: () => number
}

export type FinalizeOutcome = 'complete' | 'failed' | 'busy' | 'lease-lost'

/**
 * `deferMs`: when another holder's lease is aging, how long to hold the triggering message back so
 * that it returns just after the lease expires and takes it over (see takeoverDelay).
 */
export interface FinalizeResult {
  outcome: FinalizeOutcome
  deferMs?: number | undefined
}

/**
 * Design invariant 6: finalization under a lease, every step safe to run twice.
 * lease -> content hash from chunk digests -> (existing object: link) | (assemble -> verify) -> one
 * transaction (file + reference count + session complete) -> the upload ended (cleanup).
 */
export class Finalizer {
  readonly #deps: FinalizerDeps
  readonly #options: FinalizerOptions
  readonly #now: () => number

  constructor(deps: FinalizerDeps, options: FinalizerOptions) {
    this.#deps = deps
    this.#options = options
    this.#now = deps.now ?? Date.now
  }

  /** Takes the lease (or an expired one) and finalizes; 'busy' when another worker holds it. */
  async run(uploadId: string): Promise<FinalizeResult> {
    const { leaseMs, workerId } = this.#options
    const lease = await FinalizationLease.take(this.#deps.transitions, uploadId, {
      leaseMs,
      workerId,
      log: this.#deps.log,
      now: this.#now,
    })
    if (!lease) {
      const deferMs = takeoverDelay(await this.#deps.uploads.get(uploadId), leaseMs, this.#now())
      return deferMs === undefined ? { outcome: 'busy' } : { outcome: 'busy', deferMs }
    }
    const { record, owner } = lease
    const log = this.#deps.log.child({ uploadId, owner })
    log.info({ chunkCount: record.chunkCount, fileSize: record.fileSize }, 'finalization started')
    this.#deps.notifier.publish(uploadId)
    const started = this.#now()
    const pseudonym = userPseudonym(record.userId)
    try {
      return await withUploadSpan(
        'upload.finalize',
        record.traceparent,
        {
          [attr.uploadId]: uploadId,
          [attr.chunkCount]: record.chunkCount,
          [attr.uploadBytes]: record.fileSize,
          ...(pseudonym ? { [attr.user]: pseudonym } : {}),
        },
        async (span) => {
          const outcome = await this.#finalize(lease, log)
          span.setAttribute(attr.outcome, outcome)
          log.info({ outcome, ms: this.#now() - started }, 'finalization finished')
          meters().finalizeDuration.record((this.#now() - started) / 1000, { outcome })
          return { outcome }
        },
      )
    } catch (err) {
      const outcome = err instanceof LeaseLostError ? 'lease-lost' : 'error'
      meters().finalizeDuration.record((this.#now() - started) / 1000, { outcome })
      if (err instanceof LeaseLostError) {
        log.warn('finalization lease lost; the new holder finishes')
        return { outcome: 'lease-lost' }
      }
      // A dependency failed: give the lease back so the redelivered message can retry at once
      // instead of finding a live-looking lease and giving up.
      await lease.release().catch((releaseErr: unknown) => {
        log.warn({ err: releaseErr }, 'lease release failed; it expires on its own')
      })
      throw err
    } finally {
      lease.stop()
    }
  }

  async #finalize(lease: FinalizationLease, log: Logger): Promise<FinalizeOutcome> {
    const { files, transitions } = this.#deps
    const { record } = lease
    const chunks = await this.#deps.chunks.chunks(record.uploadId)
    if (chunks.length !== record.chunkCount || chunks.some((c, i) => c.index !== i)) {
      // The received set is only extended after the chunk's digest is stored, so this is a bug.
      return this.#fail(lease, `chunk digests incomplete (${chunks.length}/${record.chunkCount})`, log)
    }
    const contentHash = await contentHashFromDigests(chunks.map((c) => fromBase64(c.digest)))
    if (record.contentHash !== undefined && record.contentHash !== contentHash) {
      return this.#fail(
        lease,
        `content hash mismatch: declared ${record.contentHash}, chunks give ${contentHash}`,
        log,
      )
    }
    const run: AssemblyRun = {
      record,
      chunks,
      contentHash,
      key: objectKey(this.#options.objectPrefix, contentHash, record.fileSize),
      owner: lease.owner,
      signal: lease.signal,
      log,
    }
    let check: IntegrityCheck | undefined
    for (let attempt = 0; attempt < 4; attempt++) {
      lease.check()
      const existing = await files.getObject(run.key)
      if (!existing && check === undefined) {
        try {
          check = await this.#deps.assembler.assemble(run)
        } catch (err) {
          if (err instanceof IntegrityError) return this.#fail(lease, err.message, log)
          throw err
        }
        continue
      }
      lease.check()
      const now = this.#now()
      const file: FileRecord = {
        fileId: record.uploadId,
        ownerId: record.userId,
        name: record.fileName,
        size: record.fileSize,
        contentType: record.contentType,
        contentHash,
        objectKey: run.key,
        integrityCheck: check ?? 'existing_object',
        uploadId: record.uploadId,
        createdAt: now,
      }
      const result = await files.completeUpload({
        file,
        objectExists: existing !== undefined,
        sessionUpdate: transitions.completionUpdate(
          record,
          lease.owner,
          contentHash,
          file.integrityCheck,
          now,
        ),
      })
      if (result === 'lease-lost') lease.lost('session changed under the lease')
      if (result === 'ok') {
        // The lease ended with the session: re-assembly after the commit runs without it.
        lease.stop()
        log.info(
          { objectKey: run.key, check: file.integrityCheck, linked: existing !== undefined },
          'upload complete',
        )
        const afterCommit = { ...run, owner: undefined, signal: new AbortController().signal }
        await this.#deps.cleanup.uploadEnded(
          record.uploadId,
          'complete',
          log,
          existing === undefined ? () => this.#deps.assembler.ensureStored(afterCommit) : undefined,
        )
        return 'complete'
      }
      // 'object-changed': the object item appeared or vanished meanwhile; look again.
    }
    throw new Error('object reference kept changing during finalization')
  }

  async #fail(lease: FinalizationLease, reason: string, log: Logger): Promise<FinalizeOutcome> {
    const { uploadId } = lease.record
    const failed = await this.#deps.transitions.markFailed(uploadId, lease.owner, reason, this.#now())
    if (!failed) lease.lost('lease lost before the failure was recorded')
    lease.stop()
    log.error({ reason }, 'upload failed')
    await this.#deps.cleanup.uploadEnded(uploadId, 'failed', log)
    return 'failed'
  }
}
