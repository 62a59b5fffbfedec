import { DEFAULT_CONTENT_TYPE } from '@lfusys/contracts'
import type { FilesService } from '../files/FilesService.ts'
import type {
  Caller,
  CreateUploadInput,
  CreateUploadOutcome,
  SessionsApi,
  Upload,
  UploadTokenGrant,
} from './types.ts'

export type NewUpload = Omit<CreateUploadInput, 'contentType'> & { contentType: string | undefined }

/**
 * The caller's uploads, through the sessions service. An answer that shows an upload complete tells
 * the files service, whose list of the owner's files then changed.
 */
export class UploadService {
  private readonly sessions: SessionsApi
  private readonly files: FilesService

  constructor(deps: { sessions: SessionsApi; files: FilesService }) {
    this.sessions = deps.sessions
    this.files = deps.files
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
    await this.files.uploadChanged(caller.userId, upload)
    return upload
  }

  /** The client stored every chunk: record what events missed and finalize (idempotent). */
  async complete(caller: Caller, uploadId: string): Promise<Upload> {
    const upload = await this.sessions.completeUpload(caller, uploadId)
    await this.files.uploadChanged(caller.userId, upload)
    return upload
  }

  cancel(caller: Caller, uploadId: string): Promise<Upload> {
    return this.sessions.cancelUpload(caller, uploadId)
  }

  renewToken(caller: Caller, uploadId: string): Promise<UploadTokenGrant> {
    return this.sessions.renewUploadToken(caller, uploadId)
  }
}
