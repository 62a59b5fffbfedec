import { DEFAULT_CONTENT_TYPE } from '@lfusys/contracts'
import type {
  Caller,
  CreateUploadInput,
  CreateUploadOutcome,
  SessionsApi,
  Upload,
  UploadTokenGrant,
} from './types.ts'

/**
 * Told of every upload state a caller is shown (the files service: a complete upload added a file to
 * its owner's list).
 */
export interface UploadObserver {
  uploadChanged(userId: string, upload: Upload): Promise<void>
}

export type NewUpload = Omit<CreateUploadInput, 'contentType'> & { contentType: string | undefined }

/**
 * The caller's uploads, through the sessions service. Every answer that shows an upload is told to
 * the observer, so a complete one updates the owner's files list.
 */
export class UploadService {
  private readonly sessions: SessionsApi
  private readonly observer: UploadObserver

  constructor(deps: { sessions: SessionsApi; observer: UploadObserver }) {
    this.sessions = deps.sessions
    this.observer = deps.observer
  }

  create(caller: Caller, input: NewUpload): Promise<CreateUploadOutcome> {
    return this.sessions.createUpload(caller, {
      ...input,
      contentType: input.contentType ?? DEFAULT_CONTENT_TYPE,
    })
  }

  list(caller: Caller): Promise<Upload[]> {
    return this.sessions.listUploads(caller)
  }

  async get(caller: Caller, uploadId: string): Promise<Upload> {
    const upload = await this.sessions.getUpload(caller, uploadId)
    await this.observer.uploadChanged(caller.userId, upload)
    return upload
  }

  /** The client stored every chunk: record what events missed and finalize (idempotent). */
  async complete(caller: Caller, uploadId: string): Promise<Upload> {
    const upload = await this.sessions.completeUpload(caller, uploadId)
    await this.observer.uploadChanged(caller.userId, upload)
    return upload
  }

  cancel(caller: Caller, uploadId: string): Promise<Upload> {
    return this.sessions.cancelUpload(caller, uploadId)
  }

  renewToken(caller: Caller, uploadId: string): Promise<UploadTokenGrant> {
    return this.sessions.renewUploadToken(caller, uploadId)
  }
}
