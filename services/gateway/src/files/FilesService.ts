import { ADMIN_ONLY_LISTING, mayListFiles } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Caller, FilePage, FileRecord, SessionsApi, StorageUsage, Upload } from '../uploads/types.ts'
import type { CacheOutcome, FilesListCache } from './FilesListCache.ts'

export interface FilesListQuery {
  limit: number
  cursor: string | undefined
  /** Every user's files (admins only). */
  all: boolean
}

/**
 * The caller's files, through the sessions service, with the per-user list cache in front of the
 * listing. Every change to a user's files goes through here (or through `uploadChanged`), so the
 * cache is invalidated in one place.
 */
export class FilesService {
  private readonly sessions: SessionsApi
  private readonly cache: FilesListCache

  constructor(deps: { sessions: SessionsApi; cache: FilesListCache }) {
    this.sessions = deps.sessions
    this.cache = deps.cache
  }

  /** A page of files and how the cache served it (every user's files are never cached). */
  async list(caller: Caller, query: FilesListQuery): Promise<{ page: FilePage; cache: CacheOutcome }> {
    if (!mayListFiles(caller, query.all)) {
      throw new AppError('FORBIDDEN', ADMIN_ONLY_LISTING.message, {
        details: { reason: ADMIN_ONLY_LISTING.reason },
      })
    }
    const load = () => this.sessions.listFiles(caller, query)
    if (query.all) return { page: await load(), cache: 'bypass' }
    return this.cache.page(caller.userId, { limit: query.limit, cursor: query.cursor }, load)
  }

  get(caller: Caller, fileId: string): Promise<FileRecord> {
    return this.sessions.getFile(caller, fileId)
  }

  usage(caller: Caller): Promise<StorageUsage> {
    return this.sessions.usage(caller)
  }

  downloadUrl(caller: Caller, fileId: string): Promise<{ url: string; expiresAt: string }> {
    return this.sessions.downloadUrl(caller, fileId)
  }

  async delete(caller: Caller, fileId: string): Promise<void> {
    const file = caller.isAdmin
      ? await this.sessions.getFile(caller, fileId).catch(() => undefined)
      : undefined
    await this.sessions.deleteFile(caller, fileId)
    await this.cache.invalidate(caller.userId)
    // An admin deleting someone else's file changes the owner's list too.
    if (file && file.ownerId !== caller.userId) await this.cache.invalidate(file.ownerId)
  }

  /** An upload seen in a new state: a complete one added a file to its owner's list. */
  async uploadChanged(userId: string, upload: Upload): Promise<void> {
    if (upload.status === 'complete') await this.cache.invalidate(userId)
  }
}
