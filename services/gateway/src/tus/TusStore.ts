import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { isTransientAwsError, withKnownPayloadHash } from '@lfusys/aws'
import { chunkKey } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'

export const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/**
 * The tus endpoint's objects: complete chunks, written exactly as the uploads service writes them
 * (the chunk key, ChecksumSHA256, which S3 verifies, and the same digest as the payload hash, so
 * the SDK does not hash the body again), so the same S3 events, consumer and finalization take
 * over; and staging objects under their own prefix, which nothing counts.
 */
export class TusStore {
  readonly #s3: S3Client
  readonly #bucket: string
  readonly #chunkPrefix: string
  readonly #stagingPrefix: string

  constructor(s3: S3Client, options: { bucket: string; chunkPrefix: string; stagingPrefix: string }) {
    this.#s3 = s3
    this.#bucket = options.bucket
    this.#chunkPrefix = options.chunkPrefix
    this.#stagingPrefix = options.stagingPrefix
  }

  /**
   * The partial chunk's bytes [start, end) saved by the PATCH holding `lockId`: the key names the
   * range and the writer, so a stale object (from a PATCH whose lock expired) never passes for the
   * one the stored state points to.
   */
  partialKey(uploadId: string, start: number, end: number, lockId: string): string {
    return `${this.#stagingPrefix}${uploadId}/partial-${start}-${end}-${lockId}`
  }

  /** A complete chunk held back until the PATCH's Upload-Checksum is verified. */
  pendingKey(uploadId: string, index: number, lockId: string): string {
    return `${this.#stagingPrefix}${uploadId}/pending-${lockId}-${String(index).padStart(5, '0')}`
  }

  async putChunk(uploadId: string, index: number, body: Buffer | Readable, length: number, digest: Buffer) {
    await this.#put(chunkKey(this.#chunkPrefix, uploadId, index), body, length, digest)
  }

  async putStaging(key: string, body: Buffer, digest: Buffer = sha256(body)) {
    await this.#put(key, body, body.length, digest)
  }

  async getStaging(key: string): Promise<Buffer> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
      if (!out.Body) throw new Error(`staging object ${key} has no body`)
      return Buffer.from(await out.Body.transformToByteArray())
    } catch (err) {
      throw storageError(err)
    }
  }

  /** Copies a verified pending chunk to its chunk key, streaming (one chunk, never in memory). */
  async promote(pendingKey: string, uploadId: string, index: number, length: number, digest: Buffer) {
    let body: Readable
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: pendingKey }))
      if (!out.Body) throw new Error(`staging object ${pendingKey} has no body`)
      body = out.Body as Readable
    } catch (err) {
      throw storageError(err)
    }
    await this.putChunk(uploadId, index, body, length, digest)
  }

  /** Best effort: a leftover staging object is removed by the bucket's lifecycle rule. */
  async delete(keys: readonly string[]): Promise<void> {
    const objects = keys.filter((k) => k.startsWith(this.#stagingPrefix)).map((Key) => ({ Key }))
    if (objects.length === 0) return
    await this.#s3.send(
      new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: objects, Quiet: true } }),
    )
  }

  async #put(key: string, body: Buffer | Readable, length: number, digest: Buffer) {
    try {
      await this.#s3.send(
        withKnownPayloadHash(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: body,
            ContentLength: length,
            ContentType: 'application/octet-stream',
            ChecksumSHA256: digest.toString('base64'),
          }),
          digest,
        ),
      )
    } catch (err) {
      throw storageError(err)
    }
  }
}

function storageError(err: unknown): unknown {
  if (isTransientAwsError(err)) {
    return new AppError('UNAVAILABLE', 'chunk storage is unavailable; retry later', {
      cause: err,
      retryAfterSeconds: 2,
    })
  }
  return err
}
