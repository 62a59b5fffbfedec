import { createHash } from 'node:crypto'
import { AbortMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs'
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { AwsClients, StackResources } from '@lfusys/aws'

const FINAL = new Set(['complete', 'failed', 'cancelled', 'expired'])

export interface InvariantInput {
  clients: AwsClients
  resources: StackResources
  deadLetterQueueUrl: string
  /** Uploads the clients started, with what each client reported. */
  uploads: { uploadId: string; reportedComplete: boolean; contentHash: string | undefined }[]
  chunkSize: number
  /** Messages already in the dead-letter queue before this scenario (reported by an earlier one). */
  deadLettersBefore: number
}

export async function deadLetters(clients: AwsClients, queueUrl: string): Promise<number> {
  const dlq = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  )
  return (
    Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  )
}

async function scanAll(clients: AwsClients, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = []
  let start: Record<string, unknown> | undefined
  do {
    const out = await clients.documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }))
    items.push(...(out.Items ?? []))
    start = out.LastEvaluatedKey
  } while (start)
  return items
}

/** The design's content hash of bytes (SHA-256 over the chunks' SHA-256 digests), hex. */
function contentHashOf(bytes: Buffer, chunkSize: number): string {
  const digests: Buffer[] = []
  for (let i = 0; i < Math.max(1, Math.ceil(bytes.length / chunkSize)); i++) {
    digests.push(
      createHash('sha256')
        .update(bytes.subarray(i * chunkSize, (i + 1) * chunkSize))
        .digest(),
    )
  }
  return createHash('sha256').update(Buffer.concat(digests)).digest('hex')
}

/**
 * The invariants every fault must leave intact (issue list, checked against the stores themselves):
 * each upload a client saw complete has exactly one file record and an object whose bytes hash to
 * its content hash; ended uploads leave no chunk object and no open multipart upload; reference
 * counts equal file records; the dead-letter queue is empty; no upload sits in a non-final state
 * past its deadline. Returns the violations (empty when all hold).
 */
export async function checkInvariants(input: InvariantInput): Promise<string[]> {
  const { clients, resources } = input
  const bucket = resources.bucket
  const violations: string[] = []
  const now = Date.now()
  const files = await scanAll(clients, resources.tables.files.name)
  const fileItems = files.filter((i) => i.sk === 'FILE')
  for (const upload of input.uploads) {
    const session = (
      await clients.documents.send(
        new GetCommand({
          TableName: resources.tables.uploads.name,
          Key: { pk: `UPLOAD#${upload.uploadId}`, sk: 'SESSION' },
          ConsistentRead: true,
        }),
      )
    ).Item
    if (!session) {
      violations.push(`${upload.uploadId || 'an upload'}: no session`)
      continue
    }
    const status = String(session.status)
    if (!FINAL.has(status) && Number(session.expiresAt) < now) {
      violations.push(`${upload.uploadId}: ${status} past its deadline`)
    }
    if (upload.reportedComplete) {
      const records = fileItems.filter((f) => f.uploadId === upload.uploadId)
      if (status !== 'complete')
        violations.push(`${upload.uploadId}: client saw complete, session is ${status}`)
      if (records.length !== 1) violations.push(`${upload.uploadId}: ${records.length} file records`)
      const record = records[0]
      if (record) {
        const object = await clients.s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: String(record.objectKey) }),
        )
        const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? [])
        const hash = contentHashOf(bytes, input.chunkSize)
        if (hash !== record.contentHash)
          violations.push(`${upload.uploadId}: object bytes do not hash to its content hash`)
        if (upload.contentHash && upload.contentHash !== record.contentHash) {
          violations.push(`${upload.uploadId}: content hash differs from the client's`)
        }
      }
    }
    if (FINAL.has(status)) {
      const left = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${resources.chunkPrefix}${upload.uploadId}/` }),
      )
      if ((left.KeyCount ?? 0) > 0) violations.push(`${upload.uploadId}: ${left.KeyCount} chunk objects left`)
      const refs =
        session.multipartUploadIds instanceof Set ? [...session.multipartUploadIds].map(String) : []
      for (const ref of refs) {
        const space = ref.indexOf(' ')
        const err = await clients.s3
          .send(
            new AbortMultipartUploadCommand({
              Bucket: bucket,
              Key: ref.slice(0, space),
              UploadId: ref.slice(space + 1),
            }),
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          )
        if ((err as { name?: string } | undefined)?.name !== 'NoSuchUpload') {
          violations.push(`${upload.uploadId}: multipart upload ${ref} was still open`)
        }
      }
    }
  }
  for (const object of files.filter((i) => i.sk === 'OBJECT')) {
    const key = String(object.pk).slice('OBJECT#'.length)
    const refs = fileItems.filter((f) => f.objectKey === key).length
    if (Number(object.refCount ?? 0) !== refs) {
      violations.push(`object ${key}: refCount ${String(object.refCount)} but ${refs} file records`)
    }
  }
  const inDlq = (await deadLetters(clients, input.deadLetterQueueUrl)) - input.deadLettersBefore
  if (inDlq > 0) violations.push(`${inDlq} messages in the dead-letter queue`)
  return violations
}
