import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { isAwsError, isS3NotFound } from '@lfusys/aws'
import { endedKey } from '@lfusys/contracts'

/** S3 no longer knows the multipart upload (completed or aborted by an earlier attempt). */
export class MultipartUploadGoneError extends Error {
  override readonly name = 'MultipartUploadGoneError'
}

function translateGone(err: unknown): never {
  if (isAwsError(err, 'NoSuchUpload'))
    throw new MultipartUploadGoneError('multipart upload is gone', { cause: err })
  throw err
}

/** x-amz-copy-source: the bucket and the URL-encoded key, slashes kept. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`
}

export interface ObjectHead {
  size: number
  /** base64 SHA-256, or S3's composite `base64-n` for multipart objects; undefined when none is stored. */
  checksumSha256: string | undefined
}

export interface CompletedPart {
  partNumber: number
  etag: string
  checksumSha256: string | undefined
}

/** Every S3 call of the sessions service, so feature code never touches the SDK. */
export class ObjectStore {
  readonly #s3: S3Client
  readonly #bucket: string

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3
    this.#bucket = bucket
  }

  get bucket() {
    return this.#bucket
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key, ChecksumMode: 'ENABLED' }),
      )
      return { size: out.ContentLength ?? 0, checksumSha256: out.ChecksumSHA256 }
    } catch (err) {
      if (isS3NotFound(err)) return undefined
      throw err
    }
  }

  /**
   * Marks an upload as ended (`ended/<uploadId>`, its final state as metadata): from then on the
   * uploads service refuses chunks carrying its token. Idempotent; a lifecycle rule removes markers
   * once every token of the upload has expired.
   */
  async markEnded(uploadId: string, status: string): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: endedKey(uploadId), Body: '', Metadata: { status } }),
    )
  }

  async getBytes(key: string): Promise<Buffer> {
    const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
    const bytes = await out.Body?.transformToByteArray()
    return Buffer.from(bytes ?? new Uint8Array(0))
  }

  async stream(key: string): Promise<Readable> {
    const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
    const body = out.Body
    if (!body || typeof (body as Readable).pipe !== 'function') throw new Error(`no body streaming ${key}`)
    return body as Readable
  }

  /** base64 SHA-256 of an object, streamed (for chunk objects stored without a checksum). */
  async sha256Of(key: string): Promise<string> {
    const hash = createHash('sha256')
    for await (const piece of await this.stream(key)) hash.update(piece as Buffer)
    return hash.digest('base64')
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    const out = await this.#s3.send(
      new CreateMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: key,
        ContentType: contentType,
        // Parts = chunks, so S3's composite checksum is the content hash (design invariant 2).
        ChecksumAlgorithm: ChecksumAlgorithm.SHA256,
      }),
    )
    if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId')
    return out.UploadId
  }

  /**
   * Copies a whole object (at most 5 GiB) with a SHA-256 that S3 gives the copy: the source's,
   * which S3 verified when it was stored. Answers that checksum, or undefined when none is reported.
   */
  async copyObject(
    sourceKey: string,
    key: string,
    contentType: string,
  ): Promise<{ checksumSha256?: string }> {
    const out = await this.#s3.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        CopySource: copySource(this.#bucket, sourceKey),
        MetadataDirective: 'REPLACE',
        ContentType: contentType,
        ChecksumAlgorithm: ChecksumAlgorithm.SHA256,
      }),
    )
    const checksum = out.CopyObjectResult?.ChecksumSHA256
    return checksum === undefined ? {} : { checksumSha256: checksum }
  }

  async copyPart(key: string, multipartUploadId: string, partNumber: number, sourceKey: string) {
    const out = await this.#s3
      .send(
        new UploadPartCopyCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: multipartUploadId,
          PartNumber: partNumber,
          CopySource: copySource(this.#bucket, sourceKey),
        }),
      )
      .catch(translateGone)
    const etag = out.CopyPartResult?.ETag
    if (!etag) throw new Error(`UploadPartCopy of ${sourceKey} returned no ETag`)
    return { etag, checksumSha256: out.CopyPartResult?.ChecksumSHA256 }
  }

  async uploadPart(key: string, multipartUploadId: string, partNumber: number, body: Buffer, sha256: string) {
    const out = await this.#s3
      .send(
        new UploadPartCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: multipartUploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ChecksumSHA256: sha256,
        }),
      )
      .catch(translateGone)
    if (!out.ETag) throw new Error('UploadPart returned no ETag')
    return out.ETag
  }

  /** Returns the object's checksum as S3 reports it, or 'no-such-upload' when S3 forgot the upload. */
  async completeMultipart(
    key: string,
    multipartUploadId: string,
    parts: CompletedPart[],
  ): Promise<{ checksumSha256: string | undefined } | 'no-such-upload'> {
    try {
      const out = await this.#s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: multipartUploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({
              PartNumber: p.partNumber,
              ETag: p.etag,
              ...(p.checksumSha256 ? { ChecksumSHA256: p.checksumSha256 } : {}),
            })),
          },
        }),
      )
      return { checksumSha256: out.ChecksumSHA256 }
    } catch (err) {
      if (isAwsError(err, 'NoSuchUpload')) return 'no-such-upload'
      throw err
    }
  }

  /** Aborting an upload S3 no longer knows is success: every caller only wants it gone. */
  async abortMultipart(key: string, multipartUploadId: string): Promise<void> {
    try {
      await this.#s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: multipartUploadId }),
      )
    } catch (err) {
      if (!isS3NotFound(err) && !isAwsError(err, 'NoSuchUpload')) throw err
    }
  }

  /** Keys under `prefix`, up to `limit` (chunk listings are bounded by the chunk count). */
  async listKeys(prefix: string, limit: number): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const out = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      )
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key)
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token && keys.length < limit)
    return keys.slice(0, limit)
  }

  async delete(key: string): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }))
  }

  /** Deletes keys in batches of 1,000 (the DeleteObjects limit); missing keys count as deleted. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000)
      const out = await this.#s3.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      )
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey')
      if (failed.length > 0) {
        throw new Error(`DeleteObjects failed for ${failed.length} keys (first: ${failed[0]?.Code})`)
      }
    }
  }

  async presignGet(
    key: string,
    options: { contentDisposition: string; contentType: string; expiresInSeconds: number },
  ): Promise<string> {
    return getSignedUrl(
      this.#s3,
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        ResponseContentDisposition: options.contentDisposition,
        ResponseContentType: options.contentType,
      }),
      { expiresIn: options.expiresInSeconds },
    )
  }
}
