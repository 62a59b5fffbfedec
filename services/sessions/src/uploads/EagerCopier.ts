import { chunkKey, objectKey } from '@lfusys/contracts'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import type { FileRepository } from '../files/FileRepository.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import type { ChunkRepository } from './ChunkRepository.ts'
import { formatMultipartRef, parseMultipartRef } from './multipartRef.ts'
import { assemblyMode } from './partPlan.ts'
import type { UploadRepository } from './UploadRepository.ts'

export interface EagerCopierDeps {
  uploads: Pick<UploadRepository, 'get'>
  chunks: Pick<ChunkRepository, 'setMultipartUpload' | 'recordPartCopy'>
  files: Pick<FileRepository, 'getObject'>
  store: ObjectStore
}

export interface EagerCopierOptions {
  enabled: boolean
  chunkPrefix: string
  objectPrefix: string
}

/**
 * Starts assembly while chunks still arrive (design invariant 6): with a declared content hash the
 * object key is known, so each chunk is copied into the multipart upload as its event lands and
 * little is left when the last one does. Only Complete waits for the verified hash; a wrong
 * declaration makes the upload fail and the parts are aborted, never exposed.
 */
export class EagerCopier {
  readonly #deps: EagerCopierDeps
  readonly #options: EagerCopierOptions

  constructor(deps: EagerCopierDeps, options: EagerCopierOptions) {
    this.#deps = deps
    this.#options = options
  }

  /** Copies chunk `index` into the upload's multipart upload, starting one if needed. */
  async copy(record: UploadRecord, index: number): Promise<void> {
    if (!this.#options.enabled || record.contentHash === undefined) return
    if (assemblyMode(record) !== 'copy-parts') return
    const { uploads, chunks, files, store } = this.#deps
    const key = objectKey(this.#options.objectPrefix, record.contentHash, record.fileSize)
    let ref = record.multipartUploadId ? parseMultipartRef(record.multipartUploadId) : undefined
    if (!ref) {
      // Storage dedup will link to an existing object: nothing to copy.
      if (await files.getObject(key)) return
      const id = await store.createMultipart(key, record.contentType)
      if (await chunks.setMultipartUpload(record.uploadId, formatMultipartRef(key, id), undefined)) {
        ref = { objectKey: key, multipartUploadId: id }
      } else {
        // Another worker started one first; use it.
        await store.abortMultipart(key, id)
        const fresh = await uploads.get(record.uploadId)
        ref = fresh?.multipartUploadId ? parseMultipartRef(fresh.multipartUploadId) : undefined
        if (!ref) return
      }
    }
    const out = await store.copyPart(
      key,
      ref.multipartUploadId,
      index + 1,
      chunkKey(this.#options.chunkPrefix, record.uploadId, index),
    )
    await chunks.recordPartCopy(
      record.uploadId,
      index,
      formatMultipartRef(ref.objectKey, ref.multipartUploadId),
      out.etag,
    )
  }
}
