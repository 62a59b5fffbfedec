import { AppError } from '@lfusys/errors'
import type { ChunkStore } from './ChunkStore.ts'

/**
 * Refuses chunks of uploads that reached a final state (complete, failed, cancelled, expired): the
 * sessions service writes a marker object per ended upload, this looks it up before a chunk is
 * accepted. An ended upload never comes back, so "ended" answers are cached (bounded, oldest out);
 * "not ended" is never cached. When the store cannot answer, the chunk gets 503: it could not be
 * stored either.
 */
export class EndedUploads {
  readonly #store: ChunkStore
  readonly #cache = new Map<string, string>()
  readonly #maxCached: number

  constructor(store: ChunkStore, maxCached = 10_000) {
    this.#store = store
    this.#maxCached = maxCached
  }

  /** Throws GONE (410) when the upload has ended. */
  async assertOpen(uploadId: string): Promise<void> {
    let status = this.#cache.get(uploadId)
    if (status === undefined) {
      status = await this.#store.endedStatus(uploadId)
      if (status === undefined) return
      this.#cache.set(uploadId, status)
      if (this.#cache.size > this.#maxCached) {
        const oldest = this.#cache.keys().next().value
        if (oldest !== undefined) this.#cache.delete(oldest)
      }
    }
    throw new AppError('GONE', `the upload is ${status}; its token no longer accepts chunks`, {
      details: { reason: 'upload_ended', status },
    })
  }
}
