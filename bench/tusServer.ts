/**
 * The tus peer of the pipeline benchmark, in its own process: @tus/server with @tus/s3-store
 * against the same emulator and bucket. Prints `{"port": N}` as one JSON line once listening.
 *
 * fauxqs has no ListParts, which @tus/s3-store calls before and after every PATCH to learn the
 * offset. This process answers it from the parts its own store uploaded (the same answer S3 would
 * give), so the peer runs unmodified otherwise.
 */
import { statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { ListPartsCommandInput, Part, UploadPartCommandInput } from '@aws-sdk/client-s3'
import { S3Store } from '@tus/s3-store'
import { Server } from '@tus/server'

const env = process.env
const store = new S3Store({
  partSize: 8 * 1024 * 1024,
  s3ClientConfig: {
    bucket: env.S3_BUCKET ?? '',
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  },
})

const partsByUpload = new Map<string, Part[]>()
const client = (store as unknown as { client: Record<string, (input: never) => Promise<unknown>> }).client
const uploadPart = client.uploadPart?.bind(client) as (
  input: UploadPartCommandInput,
) => Promise<{ ETag?: string }>
client.uploadPart = (async (input: UploadPartCommandInput) => {
  // The store sends each part from a temporary file it wrote completely first.
  const path = (input.Body as { path?: unknown } | undefined)?.path
  const size = typeof path === 'string' ? statSync(path).size : Number(input.ContentLength ?? 0)
  const out = await uploadPart(input)
  const parts = partsByUpload.get(input.UploadId ?? '') ?? []
  parts.push({ PartNumber: input.PartNumber, ETag: out.ETag, Size: size })
  partsByUpload.set(input.UploadId ?? '', parts)
  return out
}) as never
client.listParts = (async (input: ListPartsCommandInput) => ({
  Parts: [...(partsByUpload.get(input.UploadId ?? '') ?? [])],
  IsTruncated: false,
})) as never

const tus = new Server({ path: '/files', datastore: store })
const server = createServer((req, res) => void tus.handle(req, res))
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }))
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
