import { downloadContentType } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import type { Caller } from '../domain/Caller.ts'
import type { FileRecord } from '../domain/FileRecord.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import { contentDisposition } from './contentDisposition.ts'
import type { FilePage, FileRepository } from './FileRepository.ts'

export interface FileServiceOptions {
  downloadUrlTtlSeconds: number
}

/** Listing, reading, deleting (owner or admin) and downloading files. */
export class FileService {
  readonly #files: FileRepository
  readonly #store: ObjectStore
  readonly #log: Logger
  readonly #options: FileServiceOptions
  readonly #now: () => number

  constructor(
    deps: { files: FileRepository; store: ObjectStore; log: Logger; now?: () => number },
    options: FileServiceOptions,
  ) {
    this.#files = deps.files
    this.#store = deps.store
    this.#log = deps.log
    this.#options = options
    this.#now = deps.now ?? Date.now
  }

  async list(caller: Caller, options: { limit: number; all: boolean; cursor: string }): Promise<FilePage> {
    if (options.all && !caller.isAdmin) {
      throw new AppError('FORBIDDEN', 'listing every user\u2019s files needs the admin role')
    }
    return this.#files.list(
      options.all ? { all: true } : { ownerId: caller.userId },
      options.limit,
      options.cursor,
    )
  }

  /** Files of others are reported missing to non-admins, so ids cannot be probed. */
  async get(caller: Caller, fileId: string): Promise<FileRecord> {
    const file = await this.#files.get(fileId)
    if (!file || (file.ownerId !== caller.userId && !caller.isAdmin)) {
      throw new AppError('NOT_FOUND', 'file not found', { details: { fileId } })
    }
    return file
  }

  /**
   * Design invariant 7: the reference drops in the same transaction as the file record; the object
   * goes only with its last reference, and only after that transaction committed.
   */
  async delete(caller: Caller, fileId: string): Promise<void> {
    const file = await this.get(caller, fileId)
    const { lastReference } = await this.#files.deleteFile(file)
    this.#log.info({ fileId, ownerId: file.ownerId, by: caller.userId, lastReference }, 'file deleted')
    if (lastReference) await this.#store.delete(file.objectKey)
  }

  async downloadUrl(caller: Caller, fileId: string): Promise<{ url: string; expiresAt: number }> {
    const file = await this.get(caller, fileId)
    const ttl = this.#options.downloadUrlTtlSeconds
    const url = await this.#store.presignGet(file.objectKey, {
      contentDisposition: contentDisposition(file.name),
      // Active content (HTML, SVG, XML, scripts) from the storage origin would run as that origin's own.
      contentType: downloadContentType(file.contentType),
      expiresInSeconds: ttl,
    })
    return { url, expiresAt: this.#now() + ttl * 1000 }
  }
}
