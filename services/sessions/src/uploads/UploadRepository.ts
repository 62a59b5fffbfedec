import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { AppError } from '@lfusys/errors'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import { refusedItems, type TransactItem } from '../storage/conditionalWrite.ts'
import { activeUploadsPk, IDEMPOTENCY_SK, idempotencyPk, pad, SWEEP_ACTIVE, SWEEP_CLEANUP } from './keys.ts'
import {
  activeTtl,
  sessionKey,
  str,
  toUploadRecord,
  type UploadTable,
  type UploadTableOptions,
  uploadTable,
} from './uploadItem.ts'

/** A client's Idempotency-Key for a creation, with a fingerprint of the request it was sent with. */
export interface IdempotencyKey {
  key: string
  fingerprint: string
}

/**
 * Upload sessions in the uploads table: creation and the reads (by id, by idempotency key, a user's
 * unfinished uploads, the sweeper's indexes). State changes are UploadTransitions'; chunk items and
 * multipart bookkeeping are ChunkRepository's.
 */
export class UploadRepository {
  readonly #t: UploadTable

  constructor(db: DynamoDBDocumentClient, options: UploadTableOptions) {
    this.#t = uploadTable(db, options)
  }

  /**
   * Stores a new session in one transaction with its idempotency key (when the client sent one) and
   * the quota reservation (when given). Says which condition refused it, if any.
   */
  async create(
    record: UploadRecord,
    options: { idempotency?: IdempotencyKey; quota?: TransactItem } = {},
  ): Promise<'created' | 'key-taken' | 'refused'> {
    const { idempotency, quota } = options
    const session: TransactItem = {
      Put: {
        TableName: this.#t.table,
        Item: {
          ...sessionKey(record.uploadId),
          uploadId: record.uploadId,
          userId: record.userId,
          status: record.status,
          fileName: record.fileName,
          fileSize: record.fileSize,
          contentType: record.contentType,
          contentHash: record.contentHash,
          chunkSize: record.chunkSize,
          chunkCount: record.chunkCount,
          createdAt: record.createdAt,
          updatedAt: record.updatedAt,
          expiresAt: record.expiresAt,
          finalizations: 0,
          traceparent: record.traceparent,
          ...(record.reservedBytes > 0 ? { reservedBytes: record.reservedBytes } : {}),
          gsi1pk: activeUploadsPk(record.userId),
          gsi1sk: `${pad(record.createdAt)}#${record.uploadId}`,
          gsi2pk: SWEEP_ACTIVE,
          gsi2sk: `${pad(record.expiresAt)}#${record.uploadId}`,
          ttl: activeTtl(record.expiresAt),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }
    const key: TransactItem | undefined = idempotency && {
      Put: {
        TableName: this.#t.table,
        Item: {
          pk: idempotencyPk(record.userId, idempotency.key),
          sk: IDEMPOTENCY_SK,
          uploadId: record.uploadId,
          fingerprint: idempotency.fingerprint,
          // Kept as long as the session it answers for.
          ttl: activeTtl(record.expiresAt),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }
    const items = [
      { name: 'session', item: session },
      ...(key ? [{ name: 'key', item: key }] : []),
      ...(quota ? [{ name: 'quota', item: quota }] : []),
    ] as const
    try {
      await this.#t.db.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) }))
      return 'created'
    } catch (err) {
      const refused = refusedItems(
        err,
        items.map((i) => i.name),
      )
      if (refused.has('key')) return 'key-taken'
      if (refused.has('quota')) return 'refused'
      throw new AppError('UNAVAILABLE', 'upload creation conflicted, retry', {
        cause: err,
        retryAfterSeconds: 1,
      })
    }
  }

  /** The upload an idempotency key of this user created, if any. */
  async findByIdempotencyKey(
    userId: string,
    key: string,
  ): Promise<{ uploadId: string; fingerprint: string } | undefined> {
    const out = await this.#t.db.send(
      new GetCommand({
        TableName: this.#t.table,
        Key: { pk: idempotencyPk(userId, key), sk: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    )
    const uploadId = str(out.Item?.uploadId)
    return uploadId ? { uploadId, fingerprint: str(out.Item?.fingerprint) ?? '' } : undefined
  }

  async get(uploadId: string): Promise<UploadRecord | undefined> {
    const out = await this.#t.db.send(
      new GetCommand({ TableName: this.#t.table, Key: sessionKey(uploadId), ConsistentRead: true }),
    )
    return out.Item ? toUploadRecord(out.Item) : undefined
  }

  /** The user's unfinished uploads, newest first (a user has few at a time). */
  async listActive(userId: string): Promise<UploadRecord[]> {
    const records: UploadRecord[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await this.#t.db.send(
        new QueryCommand({
          TableName: this.#t.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': activeUploadsPk(userId) },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        }),
      )
      for (const item of out.Items ?? []) records.push(toUploadRecord(item))
      start = out.LastEvaluatedKey
    } while (start && records.length < 1000)
    return records
  }

  /** Sessions on the sweep index whose sort key (expiry or end time) is before `before`. */
  async dueForSweep(kind: 'active' | 'cleanup', before: number, limit: number): Promise<UploadRecord[]> {
    const out = await this.#t.db.send(
      new QueryCommand({
        TableName: this.#t.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :before',
        ExpressionAttributeValues: {
          ':pk': kind === 'active' ? SWEEP_ACTIVE : SWEEP_CLEANUP,
          ':before': pad(before),
        },
        Limit: limit,
      }),
    )
    return (out.Items ?? []).map(toUploadRecord)
  }

  /**
   * Unfinished sessions with no chunk recorded for a while (their expiry is at most `idleBefore`
   * away from the end of the TTL) and not reconciled since `reconciledBefore`.
   */
  async idle(now: number, idleExpiresBefore: number, reconciledBefore: number, limit: number) {
    const out = await this.#t.db.send(
      new QueryCommand({
        TableName: this.#t.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
        FilterExpression:
          '#status IN (:created, :uploading) AND (attribute_not_exists(reconciledAt) OR reconciledAt < :reconciledBefore)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': SWEEP_ACTIVE,
          ':from': pad(now),
          ':to': pad(idleExpiresBefore),
          ':created': 'created',
          ':uploading': 'uploading',
          ':reconciledBefore': reconciledBefore,
        },
        Limit: limit,
      }),
    )
    return (out.Items ?? []).map(toUploadRecord)
  }

  async markReconciled(uploadId: string, now: number) {
    await this.#t.db.send(
      new UpdateCommand({
        TableName: this.#t.table,
        Key: sessionKey(uploadId),
        UpdateExpression: 'SET reconciledAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now },
      }),
    )
  }
}
