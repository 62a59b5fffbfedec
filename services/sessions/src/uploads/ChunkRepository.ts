import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { ChunkRecord } from '../domain/UploadRecord.ts'
import { conditionHeld } from '../storage/conditionalWrite.ts'
import { CHUNK_SK_PREFIX, chunkSk, uploadPk } from './keys.ts'
import {
  activeTtl,
  num,
  sessionKey,
  str,
  type UploadTable,
  type UploadTableOptions,
  uploadTable,
} from './uploadItem.ts'

/**
 * A session's chunk bookkeeping: one item per chunk with its digest (and the part it was copied
 * to), and the multipart uploads started to assemble the object, so each can be aborted later.
 */
export class ChunkRepository {
  readonly #t: UploadTable

  constructor(db: DynamoDBDocumentClient, options: UploadTableOptions) {
    this.#t = uploadTable(db, options)
  }

  /** Stores a chunk's digest before it joins the received set, so a complete set has every digest. */
  async putChunk(
    uploadId: string,
    chunk: { index: number; size: number; digest: string },
    expiresAt: number,
  ) {
    await this.#t.db.send(
      new UpdateCommand({
        TableName: this.#t.table,
        Key: { pk: uploadPk(uploadId), sk: chunkSk(chunk.index) },
        UpdateExpression: 'SET #size = :size, digest = :digest, #ttl = :ttl',
        ExpressionAttributeNames: { '#size': 'size', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':size': chunk.size,
          ':digest': chunk.digest,
          ':ttl': activeTtl(expiresAt),
        },
      }),
    )
  }

  /** The recorded chunks, ascending by index. */
  async chunks(uploadId: string): Promise<ChunkRecord[]> {
    const chunks: ChunkRecord[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await this.#t.db.send(
        new QueryCommand({
          TableName: this.#t.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': uploadPk(uploadId), ':prefix': CHUNK_SK_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      )
      for (const item of out.Items ?? []) {
        const sk = str(item.sk) ?? ''
        const digest = str(item.digest)
        const size = num(item.size)
        if (digest === undefined || size === undefined) continue
        chunks.push({
          index: Number(sk.slice(CHUNK_SK_PREFIX.length)),
          size,
          digest,
          partEtag: str(item.partEtag),
          partUploadId: str(item.partUploadId),
        })
      }
      start = out.LastEvaluatedKey
    } while (start)
    return chunks.sort((a, b) => a.index - b.index)
  }

  /** Remembered so a worker taking over after a crash does not copy the part again. */
  async recordPartCopy(uploadId: string, index: number, multipartUploadRef: string, etag: string) {
    await this.#t.db.send(
      new UpdateCommand({
        TableName: this.#t.table,
        Key: { pk: uploadPk(uploadId), sk: chunkSk(index) },
        UpdateExpression: 'SET partEtag = :etag, partUploadId = :mpu',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':etag': etag, ':mpu': multipartUploadRef },
      }),
    )
  }

  /**
   * Records a new multipart upload before any part goes to it, so every one can be aborted later.
   * With `owner`, only the lease holder may; without, only when none is set yet (eager copying).
   * False when the condition refused it.
   */
  setMultipartUpload(uploadId: string, multipartUploadRef: string, owner: string | undefined) {
    const values = { ':id': multipartUploadRef, ':ids': new Set([multipartUploadRef]) }
    return conditionHeld(
      this.#t.db.send(
        new UpdateCommand({
          TableName: this.#t.table,
          Key: sessionKey(uploadId),
          UpdateExpression: 'SET multipartUploadId = :id ADD multipartUploadIds :ids',
          ConditionExpression: owner
            ? '#status = :finalizing AND leaseOwner = :owner'
            : '#status IN (:created, :uploading) AND attribute_not_exists(multipartUploadId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: owner
            ? { ...values, ':finalizing': 'finalizing', ':owner': owner }
            : { ...values, ':created': 'created', ':uploading': 'uploading' },
        }),
      ),
    )
  }

  /** Remembers a multipart upload started outside the lease (re-assembly after completion). */
  async addMultipartUpload(uploadId: string, multipartUploadRef: string) {
    await this.#t.db.send(
      new UpdateCommand({
        TableName: this.#t.table,
        Key: sessionKey(uploadId),
        UpdateExpression: 'ADD multipartUploadIds :ids',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': new Set([multipartUploadRef]) },
      }),
    )
  }
}
