import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { cancellationReasons, isConditionalCheckFailed, isTransactionCanceled } from '@lfusys/aws'
import { AppError } from '@lfusys/errors'
import {
  activeUploadsPk,
  CHUNK_SK_PREFIX,
  chunkSk,
  IDEMPOTENCY_SK,
  idempotencyPk,
  pad,
  SESSION_SK,
  SWEEP_ACTIVE,
  SWEEP_CLEANUP,
  uploadPk,
} from './keys.ts'
import type { ChunkRecord, IntegrityCheck, UploadRecord, UploadStatus } from './UploadRecord.ts'

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number]

/** A client's Idempotency-Key for a creation, with a fingerprint of the request it was sent with. */
export interface IdempotencyKey {
  key: string
  fingerprint: string
}

const STATUSES: readonly UploadStatus[] = [
  'created',
  'uploading',
  'finalizing',
  'complete',
  'failed',
  'cancelled',
  'expired',
]
const CHECKS: readonly IntegrityCheck[] = ['composite', 'read_back', 'existing_object']

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

function numbers(v: unknown): number[] {
  if (v instanceof Set) return [...v].filter((x): x is number => typeof x === 'number').sort((a, b) => a - b)
  return []
}
function strings(v: unknown): string[] {
  if (v instanceof Set) return [...v].filter((x): x is string => typeof x === 'string')
  return []
}

/** Reads a stored session item; a malformed item is a bug worth failing loudly on. */
export function toUploadRecord(item: Record<string, unknown>): UploadRecord {
  const status = STATUSES.find((s) => s === item.status)
  const uploadId = str(item.uploadId)
  const userId = str(item.userId)
  if (!status || !uploadId || !userId) throw new Error(`malformed upload item ${String(item.pk)}`)
  const check = CHECKS.find((c) => c === item.integrityCheck)
  return {
    uploadId,
    userId,
    status,
    fileName: str(item.fileName) ?? '',
    fileSize: num(item.fileSize) ?? 0,
    contentType: str(item.contentType) ?? 'application/octet-stream',
    contentHash: str(item.contentHash),
    chunkSize: num(item.chunkSize) ?? 1,
    chunkCount: num(item.chunkCount) ?? 1,
    received: numbers(item.received),
    createdAt: num(item.createdAt) ?? 0,
    updatedAt: num(item.updatedAt) ?? 0,
    expiresAt: num(item.expiresAt) ?? 0,
    leaseOwner: str(item.leaseOwner),
    leaseExpiresAt: num(item.leaseExpiresAt),
    multipartUploadId: str(item.multipartUploadId),
    multipartUploadIds: strings(item.multipartUploadIds),
    fileId: str(item.fileId),
    failureReason: str(item.failureReason),
    integrityCheck: check,
    finalizations: num(item.finalizations) ?? 0,
    traceparent: str(item.traceparent),
    reservedBytes: num(item.reservedBytes) ?? 0,
  }
}

export interface UploadRepositoryOptions {
  table: string
  /** Seconds an ended session stays readable before DynamoDB TTL removes it. */
  retentionSeconds?: number
}

/** Upload sessions and their chunk items in the uploads table. */
export class UploadRepository {
  readonly #db: DynamoDBDocumentClient
  readonly #table: string
  readonly #retentionSeconds: number

  constructor(db: DynamoDBDocumentClient, options: UploadRepositoryOptions) {
    this.#db = db
    this.#table = options.table
    this.#retentionSeconds = options.retentionSeconds ?? 7 * 86_400
  }

  /** TTL of an unfinished session: well after its expiry, so the sweeper sees it first. */
  #activeTtl(expiresAt: number) {
    return Math.ceil(expiresAt / 1000) + 3 * 86_400
  }
  #endedTtl(now: number) {
    return Math.ceil(now / 1000) + this.#retentionSeconds
  }

  /**
   * Stores a new session in one transaction with its idempotency key (when the client sent one) and
   * the caller's extra items (the quota reservation). Says which condition refused it, if any.
   */
  async create(
    record: UploadRecord,
    options: { idempotency?: IdempotencyKey; extra?: TransactItem[] } = {},
  ): Promise<'created' | 'key-taken' | 'refused'> {
    const { idempotency, extra = [] } = options
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.#table,
          Item: {
            pk: uploadPk(record.uploadId),
            sk: SESSION_SK,
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
            ttl: this.#activeTtl(record.expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.#table,
          Item: {
            pk: idempotencyPk(record.userId, idempotency.key),
            sk: IDEMPOTENCY_SK,
            uploadId: record.uploadId,
            fingerprint: idempotency.fingerprint,
            // Kept as long as the session it answers for.
            ttl: this.#activeTtl(record.expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })
    }
    try {
      await this.#db.send(new TransactWriteCommand({ TransactItems: [...items, ...extra] }))
      return 'created'
    } catch (err) {
      if (!isTransactionCanceled(err)) throw err
      const reasons = cancellationReasons(err, idempotency ? ['session', 'key'] : ['session'])
      if (idempotency && reasons.key === 'ConditionalCheckFailed') return 'key-taken'
      const failed = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []
      if (failed.slice(items.length).some((r) => r.Code === 'ConditionalCheckFailed')) return 'refused'
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
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: idempotencyPk(userId, key), sk: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    )
    const uploadId = str(out.Item?.uploadId)
    return uploadId ? { uploadId, fingerprint: str(out.Item?.fingerprint) ?? '' } : undefined
  }

  async get(uploadId: string): Promise<UploadRecord | undefined> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
        ConsistentRead: true,
      }),
    )
    return out.Item ? toUploadRecord(out.Item) : undefined
  }

  /** The user's unfinished uploads, newest first (a user has few at a time). */
  async listActive(userId: string): Promise<UploadRecord[]> {
    const records: UploadRecord[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
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

  /** Stores a chunk's digest before it joins the received set, so a complete set has every digest. */
  async putChunk(
    uploadId: string,
    chunk: { index: number; size: number; digest: string },
    expiresAt: number,
  ) {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: chunkSk(chunk.index) },
        UpdateExpression: 'SET #size = :size, digest = :digest, #ttl = :ttl',
        ExpressionAttributeNames: { '#size': 'size', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':size': chunk.size,
          ':digest': chunk.digest,
          ':ttl': this.#activeTtl(expiresAt),
        },
      }),
    )
  }

  async recordPartCopy(uploadId: string, index: number, multipartUploadId: string, etag: string) {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: chunkSk(index) },
        UpdateExpression: 'SET partEtag = :etag, partUploadId = :mpu',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':etag': etag, ':mpu': multipartUploadId },
      }),
    )
  }

  async chunks(uploadId: string): Promise<ChunkRecord[]> {
    const chunks: ChunkRecord[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
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

  /**
   * Adds a chunk to the received set (a set, so a repeated event changes nothing) and moves
   * `created` to `uploading`. Returns the session after the write, or undefined when the session no
   * longer accepts chunks.
   */
  async recordChunk(uploadId: string, index: number, now: number, expiresAt: number) {
    try {
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression:
            'ADD received :idx SET #status = :uploading, updatedAt = :now, expiresAt = :exp, gsi2sk = :gsi2sk, #ttl = :ttl',
          ConditionExpression: '#status IN (:created, :uploading)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':idx': new Set([index]),
            ':uploading': 'uploading',
            ':created': 'created',
            ':now': now,
            ':exp': expiresAt,
            ':gsi2sk': `${pad(expiresAt)}#${uploadId}`,
            ':ttl': this.#activeTtl(expiresAt),
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return out.Attributes ? toUploadRecord(out.Attributes) : undefined
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined
      throw err
    }
  }

  /**
   * The finalization lease (design invariant 6): exactly one worker moves a complete session to
   * `finalizing`, or takes over one whose holder's lease ran out.
   */
  async acquireLease(uploadId: string, owner: string, now: number, leaseMs: number) {
    try {
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression:
            'SET #status = :finalizing, leaseOwner = :owner, leaseExpiresAt = :until, updatedAt = :now ADD leaseGeneration :one',
          ConditionExpression:
            '(#status = :uploading AND size(received) = chunkCount) OR (#status = :finalizing AND leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':finalizing': 'finalizing',
            ':uploading': 'uploading',
            ':owner': owner,
            ':until': now + leaseMs,
            ':now': now,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return out.Attributes ? toUploadRecord(out.Attributes) : undefined
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined
      throw err
    }
  }

  /** False when the lease was lost (another worker took over after it expired). */
  async renewLease(uploadId: string, owner: string, until: number): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression: 'SET leaseExpiresAt = :until',
          ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':until': until, ':owner': owner, ':finalizing': 'finalizing' },
        }),
      )
      return true
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false
      throw err
    }
  }

  /** Gives the lease back after a failure, so the next delivery need not wait for it to expire. */
  async releaseLease(uploadId: string, owner: string): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression: 'SET leaseExpiresAt = :zero',
          ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':owner': owner, ':finalizing': 'finalizing' },
        }),
      )
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err
    }
  }

  /**
   * Records a new multipart upload before any part goes to it, so every one can be aborted later.
   * With `owner`, only the lease holder may; without, only when none is set yet (eager copying).
   */
  async setMultipartUpload(uploadId: string, multipartUploadId: string, owner: string | undefined) {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression: 'SET multipartUploadId = :id ADD multipartUploadIds :ids',
          ConditionExpression: owner
            ? '#status = :finalizing AND leaseOwner = :owner'
            : '#status IN (:created, :uploading) AND attribute_not_exists(multipartUploadId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: owner
            ? {
                ':id': multipartUploadId,
                ':ids': new Set([multipartUploadId]),
                ':finalizing': 'finalizing',
                ':owner': owner,
              }
            : {
                ':id': multipartUploadId,
                ':ids': new Set([multipartUploadId]),
                ':created': 'created',
                ':uploading': 'uploading',
              },
        }),
      )
      return true
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false
      throw err
    }
  }

  /** Remembers a multipart upload started outside the lease (re-assembly after completion). */
  async addMultipartUpload(uploadId: string, multipartUploadRef: string) {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
        UpdateExpression: 'ADD multipartUploadIds :ids',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': new Set([multipartUploadRef]) },
      }),
    )
  }

  /** Forgets a multipart upload that S3 no longer knows (completed or aborted), lease holder only. */
  async clearMultipartUpload(uploadId: string, owner: string) {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
        UpdateExpression: 'REMOVE multipartUploadId',
        ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':finalizing': 'finalizing', ':owner': owner },
      }),
    )
  }

  /** Lease holder ends the upload as failed; chunk cleanup is left marked for the sweeper until done. */
  async markFailed(uploadId: string, owner: string, reason: string, now: number) {
    try {
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression:
            'SET #status = :failed, failureReason = :reason, updatedAt = :now, gsi2pk = :cleanup, gsi2sk = :gsi2sk, #ttl = :ttl REMOVE gsi1pk, gsi1sk, leaseOwner, leaseExpiresAt',
          ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':reason': reason,
            ':now': now,
            ':cleanup': SWEEP_CLEANUP,
            ':gsi2sk': `${pad(now)}#${uploadId}`,
            ':ttl': this.#endedTtl(now),
            ':finalizing': 'finalizing',
            ':owner': owner,
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return out.Attributes ? toUploadRecord(out.Attributes) : undefined
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined
      throw err
    }
  }

  /**
   * Cancels or expires an unfinished session. Conditional, so on many sweeper instances exactly one
   * wins; `expiredBefore` additionally requires the session to be past its expiry.
   */
  async end(uploadId: string, status: 'cancelled' | 'expired', now: number, expiredBefore?: number) {
    try {
      const values: Record<string, unknown> = {
        ':status': status,
        ':now': now,
        ':created': 'created',
        ':uploading': 'uploading',
        ':cleanup': SWEEP_CLEANUP,
        ':gsi2sk': `${pad(now)}#${uploadId}`,
        ':ttl': this.#endedTtl(now),
      }
      if (expiredBefore !== undefined) values[':before'] = expiredBefore
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
          UpdateExpression:
            'SET #status = :status, updatedAt = :now, gsi2pk = :cleanup, gsi2sk = :gsi2sk, #ttl = :ttl REMOVE gsi1pk, gsi1sk',
          ConditionExpression:
            expiredBefore === undefined
              ? '#status IN (:created, :uploading)'
              : '#status IN (:created, :uploading) AND expiresAt < :before',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
      return out.Attributes ? toUploadRecord(out.Attributes) : undefined
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined
      throw err
    }
  }

  /**
   * Chunk objects and multipart uploads of an ended session are gone: take it off the sweep index,
   * and give back its quota reservation (`release`) in the same transaction, so it happens once.
   */
  async cleanupDone(record: UploadRecord, release?: TransactItem) {
    const key = { pk: uploadPk(record.uploadId), sk: SESSION_SK }
    try {
      if (release && record.reservedBytes > 0) {
        await this.#db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.#table,
                  Key: key,
                  UpdateExpression: 'REMOVE gsi2pk, gsi2sk, reservedBytes',
                  ConditionExpression: 'gsi2pk = :cleanup AND reservedBytes = :reserved',
                  ExpressionAttributeValues: { ':cleanup': SWEEP_CLEANUP, ':reserved': record.reservedBytes },
                },
              },
              release,
            ],
          }),
        )
        return
      }
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: key,
          UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'gsi2pk = :cleanup',
          ExpressionAttributeValues: { ':cleanup': SWEEP_CLEANUP },
        }),
      )
    } catch (err) {
      // Someone else finished it (the condition), or the release already went with it.
      if (isConditionalCheckFailed(err)) return
      if (
        isTransactionCanceled(err) &&
        cancellationReasons(err, ['session']).session === 'ConditionalCheckFailed'
      )
        return
      throw err
    }
  }

  /** Sessions on the sweep index whose sort key (expiry or end time) is before `before`. */
  async dueForSweep(kind: 'active' | 'cleanup', before: number, limit: number): Promise<UploadRecord[]> {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
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
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
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
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: SESSION_SK },
        UpdateExpression: 'SET reconciledAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now },
      }),
    )
  }

  /** Completion writes for the cross-table transaction (see FileRepository.completeUpload). */
  completionUpdate(
    record: UploadRecord,
    owner: string,
    contentHash: string,
    check: IntegrityCheck,
    now: number,
  ) {
    return {
      Update: {
        TableName: this.#table,
        Key: { pk: uploadPk(record.uploadId), sk: SESSION_SK },
        UpdateExpression:
          'SET #status = :complete, fileId = :fileId, contentHash = :hash, integrityCheck = :check, updatedAt = :now, gsi2pk = :cleanup, gsi2sk = :gsi2sk, #ttl = :ttl ADD finalizations :one REMOVE gsi1pk, gsi1sk, leaseOwner, leaseExpiresAt',
        ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':complete': 'complete',
          ':fileId': record.uploadId,
          ':hash': contentHash,
          ':check': check,
          ':now': now,
          ':cleanup': SWEEP_CLEANUP,
          ':gsi2sk': `${pad(now)}#${record.uploadId}`,
          ':ttl': this.#endedTtl(now),
          ':one': 1,
          ':finalizing': 'finalizing',
          ':owner': owner,
        },
      },
    }
  }
}
