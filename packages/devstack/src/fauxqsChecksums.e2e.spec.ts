import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { type FauxqsServer, startFauxqs } from 'fauxqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The S3 checksum semantics the repository's fauxqs patch (patches/fauxqs@2.4.1.patch) adds, as the
 * real AWS SDK sees them: declared checksums are verified, copied parts get checksums, the
 * multipart composite is stored and returned, and GetObject honours response-* overrides.
 */

const MiB = 1024 * 1024
const bucket = 'checksums'
let server: FauxqsServer
let s3: S3Client

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' })
  // Only the checksums a test sets explicitly go out, so each test controls what is declared.
  s3 = client('WHEN_REQUIRED')
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
})

function client(requestChecksumCalculation: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED') {
  return new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation,
  })
}

afterAll(async () => {
  s3?.destroy()
  await server?.stop()
})

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64')
const md5Etag = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`
const composite = (partChecksums: string[]) =>
  `${createHash('sha256')
    .update(Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64'))))
    .digest('base64')}-${partChecksums.length}`

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise
  } catch (err) {
    if (err instanceof S3ServiceException) return err
    throw err
  }
  throw new Error('the request succeeded')
}

async function head(key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }))
}

async function putVerified(key: string, body: Buffer) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumSHA256: sha256(body) }))
}

describe('fauxqs with S3 checksum semantics', () => {
  it('PutObject stores a matching x-amz-checksum-sha256 and returns it with checksum mode', async () => {
    const body = randomBytes(4096)
    const out = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'put/ok', Body: body, ChecksumSHA256: sha256(body) }),
    )
    expect(out.ChecksumSHA256).toBe(sha256(body))
    const h = await head('put/ok')
    expect(h.ChecksumSHA256).toBe(sha256(body))
    expect(h.ChecksumType).toBe('FULL_OBJECT')
  })

  it('PutObject with a wrong x-amz-checksum-sha256 is BadDigest and stores nothing, not even over an existing object', async () => {
    const body = randomBytes(4096)
    const wrong = sha256(randomBytes(16))
    const err = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'put/bad', Body: body, ChecksumSHA256: wrong })),
    )
    expect(err.name).toBe('BadDigest')
    expect(err.$metadata.httpStatusCode).toBe(400)
    expect(err.message).toBe('The SHA256 you specified did not match the calculated checksum.')
    expect((await s3Error(head('put/bad'))).$metadata.httpStatusCode).toBe(404)

    const original = randomBytes(100)
    await putVerified('put/kept', original)
    const replaced = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'put/kept', Body: body, ChecksumSHA256: wrong })),
    )
    expect(replaced.name).toBe('BadDigest')
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'put/kept' }))
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(original)
  })

  it('verifies a checksum the SDK computes and sends as a trailer (aws-chunked)', async () => {
    const trailing = client('WHEN_SUPPORTED')
    const body = randomBytes(64 * 1024)
    await trailing.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'put/trailer',
        Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
        ContentLength: body.length,
        ChecksumAlgorithm: 'SHA256',
      }),
    )
    expect((await head('put/trailer')).ChecksumSHA256).toBe(sha256(body))
    trailing.destroy()
  })

  it('UploadPart with a wrong checksum is BadDigest and the part does not exist', async () => {
    const key = 'mpu/bad-part'
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
    )
    const body = randomBytes(1024)
    const err = await s3Error(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: 1,
          Body: body,
          ChecksumSHA256: sha256(randomBytes(8)),
        }),
      ),
    )
    expect(err.name).toBe('BadDigest')
    const complete = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: md5Etag(body) }] },
        }),
      ),
    )
    expect(complete.name).toBe('InvalidPart')
    expect((await s3Error(head(key))).$metadata.httpStatusCode).toBe(404)
  })

  it('UploadPartCopy gives each part a SHA-256 and Complete returns and stores the composite', async () => {
    // Whole-object copy of a verified source reuses its checksum; a ranged copy and a source
    // stored without a SHA-256 are hashed.
    const verified = randomBytes(5 * MiB + 7)
    const unverified = randomBytes(MiB)
    await putVerified('src/verified', verified)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src/plain', Body: unverified }))
    expect((await head('src/plain')).ChecksumSHA256).toBeUndefined()

    const key = 'mpu/copied'
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
    )
    const copy = (PartNumber: number, source: string, range?: string) =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber,
          CopySource: `${bucket}/${source}`,
          ...(range ? { CopySourceRange: range } : {}),
        }),
      )
    const whole = await copy(1, 'src/verified')
    const ranged = await copy(2, 'src/verified', `bytes=0-${5 * MiB - 1}`)
    const plain = await copy(3, 'src/plain')
    const expectedParts = [sha256(verified), sha256(verified.subarray(0, 5 * MiB)), sha256(unverified)]
    expect([
      whole.CopyPartResult?.ChecksumSHA256,
      ranged.CopyPartResult?.ChecksumSHA256,
      plain.CopyPartResult?.ChecksumSHA256,
    ]).toEqual(expectedParts)
    // ETags stay S3's: the MD5 of each part's bytes (a whole-object copy reuses the source's).
    const partBodies = [verified, verified.subarray(0, 5 * MiB), unverified]
    expect([whole, ranged, plain].map((p) => p.CopyPartResult?.ETag)).toEqual(partBodies.map(md5Etag))

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [whole, ranged, plain].map((p, i) => ({
            PartNumber: i + 1,
            ETag: p.CopyPartResult?.ETag,
            ChecksumSHA256: p.CopyPartResult?.ChecksumSHA256,
          })),
        },
      }),
    )
    const expected = composite(expectedParts)
    const md5s = partBodies.map((b) => createHash('md5').update(b).digest())
    expect(done.ETag).toBe(`"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-3"`)
    expect(done.ChecksumSHA256).toBe(expected)
    expect(done.ChecksumType).toBe('COMPOSITE')

    const h = await head(key)
    expect(h.ChecksumSHA256).toBe(expected)
    expect(h.ChecksumType).toBe('COMPOSITE')
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }))
    expect(got.ChecksumSHA256).toBe(expected)
    expect(got.ContentLength).toBe(verified.length + 5 * MiB + unverified.length)
    await got.Body?.transformToByteArray()
  })

  it('a part copied from a tampered source gets the checksum of the bytes it holds', async () => {
    const original = randomBytes(MiB)
    await putVerified('src/tampered', original)
    const tampered = Buffer.from(original)
    tampered[0] = (tampered[0] ?? 0) ^ 0xff
    // Overwritten without a declared checksum: nothing vouches for these bytes any more.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src/tampered', Body: tampered }))
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/tampered', ChecksumAlgorithm: 'SHA256' }),
    )
    const out = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'mpu/tampered',
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/src/tampered`,
      }),
    )
    expect(out.CopyPartResult?.ChecksumSHA256).toBe(sha256(tampered))
    expect(out.CopyPartResult?.ChecksumSHA256).not.toBe(sha256(original))
  })

  it('a multipart upload created without a checksum algorithm has no composite', async () => {
    const body = randomBytes(MiB)
    await putVerified('src/no-algorithm', body)
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/none' }))
    const out = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'mpu/none',
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/src/no-algorithm`,
      }),
    )
    expect(out.CopyPartResult?.ChecksumSHA256).toBeUndefined()
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mpu/none',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: out.CopyPartResult?.ETag }] },
      }),
    )
    expect(done.ChecksumSHA256).toBeUndefined()
    expect((await head('mpu/none')).ChecksumSHA256).toBeUndefined()
  })

  it('a composite is only built when every part has a checksum', async () => {
    const key = 'mpu/partial'
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
    )
    const first = randomBytes(5 * MiB)
    const second = randomBytes(100)
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: first,
        ChecksumSHA256: sha256(first),
      }),
    )
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: second }),
    )
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    )
    // A composite over part 1 alone would vouch for bytes it never covered.
    expect(done.ChecksumSHA256).toBeUndefined()
  })

  it('CopyObject carries the source SHA-256 whatever the metadata directive and returns it', async () => {
    const bytes = randomBytes(1024)
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'copy/src', Body: bytes, ChecksumSHA256: sha256(bytes) }),
    )
    for (const directive of ['COPY', 'REPLACE'] as const) {
      const out = await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: `copy/dst-${directive}`,
          CopySource: `${bucket}/copy/src`,
          MetadataDirective: directive,
          ContentType: 'text/plain',
        }),
      )
      expect(out.CopyObjectResult?.ChecksumSHA256).toBe(sha256(bytes))
      expect(out.CopyObjectResult?.ChecksumType).toBe('FULL_OBJECT')
      const h = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `copy/dst-${directive}`, ChecksumMode: 'ENABLED' }),
      )
      expect(h.ChecksumSHA256).toBe(sha256(bytes))
      expect(h.ContentType).toBe(directive === 'REPLACE' ? 'text/plain' : 'application/octet-stream')
    }
  })

  it('CopyObject with x-amz-checksum-algorithm SHA256 computes it for a source stored without one', async () => {
    const bytes = randomBytes(2048)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/plain', Body: bytes }))
    const out = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy/plain-dst',
        CopySource: `${bucket}/copy/plain`,
        ChecksumAlgorithm: 'SHA256',
      }),
    )
    expect(out.CopyObjectResult?.ChecksumSHA256).toBe(sha256(bytes))
    const none = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy/plain-dst2', CopySource: `${bucket}/copy/plain` }),
    )
    expect(none.CopyObjectResult?.ChecksumSHA256).toBeUndefined()
  })

  it('GetObject and HeadObject honour response-content-disposition and response-content-type', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'download/report',
        Body: Buffer.from('%PDF-1.7'),
        ContentType: 'application/octet-stream',
      }),
    )
    const disposition = `attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9port.pdf`
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'download/report',
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/pdf',
      }),
    )
    expect(got.ContentDisposition).toBe(disposition)
    expect(got.ContentType).toBe('application/pdf')
    expect(await got.Body?.transformToString()).toBe('%PDF-1.7')

    const h = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: 'download/report',
        ResponseContentDisposition: disposition,
        ResponseContentType: 'application/pdf',
      }),
    )
    expect(h.ContentDisposition).toBe(disposition)
    expect(h.ContentType).toBe('application/pdf')

    const plain = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'download/report' }))
    expect(plain.ContentType).toBe('application/octet-stream')
    expect(plain.ContentDisposition).toBeUndefined()
    await plain.Body?.transformToString()
  })
})
