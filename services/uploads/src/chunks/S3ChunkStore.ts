import type { Readable } from 'node:stream'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { isTransientAwsError } from '@lfusys/aws'
import { toBase64, toHex } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { ChunkStore } from './ChunkStore.ts'

/**
 * The verified digest doubles as the SigV4 payload hash (x-amz-content-sha256 is the hex SHA-256
 * of the body), so the SDK signs the payload without hashing 8 MiB again (it would for a buffer),
 * and AWS checks the bytes against it a second time. Staged streams, not yet verified, go out
 * UNSIGNED-PAYLOAD (the SDK's default for streams).
 */
function withPayloadHash<C extends PutObjectCommand>(command: C, sha256: Uint8Array): C {
  const hex = toHex(sha256)
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> }
      if (request.headers) request.headers['x-amz-content-sha256'] = hex
      return next(args)
    },
    { step: 'build', name: 'lfusysKnownPayloadHash' },
  )
  return command
}

/** A storage outage is the client's cue to retry later (503), not an internal error. */
async function unavailableOnTransient<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (isTransientAwsError(err)) {
      throw new AppError('UNAVAILABLE', 'chunk storage is unavailable; retry later', {
        cause: err,
        retryAfterSeconds: 2,
      })
    }
    throw err
  }
}

export class S3ChunkStore implements ChunkStore {
  readonly #s3: S3Client
  readonly #bucket: string

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3
    this.#bucket = bucket
  }

  async put(key: string, body: Uint8Array | Readable, length: number, sha256: Uint8Array): Promise<void> {
    await unavailableOnTransient(() =>
      this.#s3.send(
        withPayloadHash(
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
      ),
    )
  }

  async stage(
    stagingKey: string,
    body: Readable,
    length: number,
    sha256: Uint8Array,
    signal: AbortSignal,
  ): Promise<void> {
    await unavailableOnTransient(() =>
      this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: stagingKey,
          Body: body,
          ContentLength: length,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: toBase64(sha256),
        }),
        { abortSignal: signal },
      ),
    )
  }

  async promote(stagingKey: string, key: string): Promise<void> {
    await unavailableOnTransient(() =>
      this.#s3.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          CopySource: `${this.#bucket}/${encodeURIComponent(stagingKey).replace(/%2F/g, '/')}`,
          // The staged object carries the verified ChecksumSHA256; COPY keeps it on the chunk object.
          MetadataDirective: 'COPY',
          ChecksumAlgorithm: 'SHA256',
        }),
      ),
    )
  }

  async discard(stagingKey: string): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: stagingKey }))
  }

  async ping(): Promise<void> {
    await this.#s3.send(new HeadBucketCommand({ Bucket: this.#bucket }))
  }
}
