import type { Readable } from 'node:stream'
import { HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { isAwsError, isS3NotFound, isTransientAwsError, withKnownPayloadHash } from '@lfusys/aws'
import { endedKey, toBase64 } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { ChecksumMismatchError, type ChunkStore } from './ChunkStore.ts'

// The declared digest goes out twice: as `x-amz-checksum-sha256`, which S3 verifies before storing
// (400 BadDigest otherwise), and as the SigV4 payload hash, which S3 also checks
// (XAmzContentSHA256Mismatch). Neither costs this process a pass over the bytes.
export class S3ChunkStore implements ChunkStore {
  readonly #s3: S3Client
  readonly #bucket: string

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3
    this.#bucket = bucket
  }

  async put(
    key: string,
    body: Readable,
    length: number,
    sha256: Uint8Array,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.#s3.send(
        withKnownPayloadHash(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: body,
            ContentLength: length,
            ContentType: 'application/octet-stream',
            ChecksumSHA256: toBase64(sha256),
          }),
          sha256,
        ),
        { abortSignal: signal },
      )
    } catch (err) {
      if (isAwsError(err, 'BadDigest', 'XAmzContentSHA256Mismatch')) {
        throw new ChecksumMismatchError('the store computed another SHA-256 than the declared one', {
          cause: err,
        })
      }
      // A storage outage is the client's cue to retry later (503), not an internal error.
      if (isTransientAwsError(err)) {
        throw new AppError('UNAVAILABLE', 'chunk storage is unavailable; retry later', {
          cause: err,
          retryAfterSeconds: 2,
        })
      }
      throw err
    }
  }

  async endedStatus(uploadId: string): Promise<string | undefined> {
    try {
      const out = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: endedKey(uploadId) }),
      )
      return out.Metadata?.status ?? 'ended'
    } catch (err) {
      if (isS3NotFound(err)) return undefined
      // Without the answer the chunk is not accepted; S3 being down, it could not be stored either.
      throw new AppError('UNAVAILABLE', 'chunk storage is unavailable; retry later', {
        cause: err,
        retryAfterSeconds: 2,
      })
    }
  }

  async ping(): Promise<void> {
    await this.#s3.send(new HeadBucketCommand({ Bucket: this.#bucket }))
  }
}
