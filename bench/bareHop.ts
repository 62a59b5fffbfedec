/**
 * The bare reference hop of the pipeline benchmark, in its own process: node:http, no framework,
 * no token, no validation. `PUT /<key>` with `Content-Digest` and `Content-Length` streams the body
 * through a SHA-256 hash into PutObject with that checksum, and answers 201, or 422 when the hash
 * differs. Prints `{"port": N}` as one JSON line once listening.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { PassThrough } from 'node:stream'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { createS3Client } from '@lfusys/aws'

const env = process.env as Record<string, string>
const s3 = createS3Client({ ...env, AWS_REGION: env.AWS_REGION ?? 'us-east-1' }, { maxSockets: 64 })
const bucket = env.S3_BUCKET ?? ''

const server = createServer((req, res) => {
  const declared =
    /^sha-256=:([A-Za-z0-9+/=]+):$/.exec(String(req.headers['content-digest'] ?? ''))?.[1] ?? ''
  const length = Number(req.headers['content-length'])
  const hash = createHash('sha256')
  const body = new PassThrough()
  req.on('data', (piece: Buffer) => hash.update(piece))
  req.pipe(body)
  s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: decodeURIComponent((req.url ?? '/').slice(1)),
      Body: body,
      ContentLength: length,
      ChecksumSHA256: declared,
    }),
  ).then(
    () => {
      res.statusCode = hash.digest('base64') === declared ? 201 : 422
      res.end()
    },
    () => {
      res.statusCode = 502
      res.end()
    },
  )
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }))
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
