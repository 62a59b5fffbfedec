import { chunkKey } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import type { FinalUploadStatus } from '../domain/UploadRecord.ts'
import type { FileRepository } from '../files/FileRepository.ts'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import { parseMultipartRef } from './multipartRef.ts'
import type { UploadRepository } from './UploadRepository.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

export interface SessionCleanupDeps {
  uploads: Pick<UploadRepository, 'get'>
  transitions: Pick<UploadTransitions, 'cleanupDone'>
  files: Pick<FileRepository, 'releaseItem'>
  store: ObjectStore
  notifier: StatusNotifier
  log: Logger
}

/** What an ended session leaves behind, removed; and the one point every ending passes. */
export class SessionCleanup {
  readonly #deps: SessionCleanupDeps
  readonly #chunkPrefix: string

  constructor(deps: SessionCleanupDeps, options: { chunkPrefix: string }) {
    this.#deps = deps
    this.#chunkPrefix = options.chunkPrefix
  }

  /**
   * An upload ended: every way an upload reaches a final state (complete and failed by the
   * finalizer, cancelled by its owner, expired by the sweeper) calls this once, after the final
   * state is written. Watchers are told, `beforeCleanup` runs (work that still needs the chunk
   * objects), and the session's leftovers go.
   */
  async uploadEnded(
    uploadId: string,
    status: FinalUploadStatus,
    log: Logger = this.#deps.log,
    beforeCleanup?: () => Promise<void>,
  ): Promise<void> {
    this.#deps.notifier.publish(uploadId)
    if (beforeCleanup) await beforeCleanup()
    await this.cleanup(uploadId, log.child({ status }))
  }

  /**
   * Deletes an ended session's chunk objects and aborts its multipart uploads, then takes it off the
   * sweep index. Idempotent; if it does not finish, the sweeper repeats it.
   */
  async cleanup(uploadId: string, log: Logger = this.#deps.log): Promise<void> {
    const { uploads, transitions, files, store } = this.#deps
    const record = await uploads.get(uploadId)
    if (!record) return
    await store.markEnded(uploadId, record.status) // its upload token stops working
    const refs = new Set(record.multipartUploadIds)
    if (record.multipartUploadId) refs.add(record.multipartUploadId)
    for (const ref of refs) {
      const parsed = parseMultipartRef(ref)
      if (parsed) await store.abortMultipart(parsed.objectKey, parsed.multipartUploadId)
    }
    const keys = Array.from({ length: record.chunkCount }, (_, i) => chunkKey(this.#chunkPrefix, uploadId, i))
    await store.deleteMany(keys)
    // A reservation goes back when the session's cleanup is done: once, whatever way it ended
    // (a complete upload's bytes count as its file's by then).
    await transitions.cleanupDone(record, files.releaseItem(record.userId, record.reservedBytes))
    log.debug({ uploadId, chunks: keys.length, multipartUploads: refs.size }, 'session cleaned up')
  }
}
