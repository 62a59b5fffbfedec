import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb'
import { AppError } from '@lfusys/errors'
import type { FileRecord, StoredObject } from '../domain/FileRecord.ts'
import { INTEGRITY_CHECKS } from '../domain/UploadRecord.ts'
import { refusedItems, type TransactItem } from '../storage/conditionalWrite.ts'
import { decodeCursor, encodeCursor } from './fileCursor.ts'

const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(15, '0')
const filePk = (fileId: string) => `FILE#${fileId}`
const FILE_SK = 'FILE'
const ownerFilesPk = (ownerId: string) => `OWNER#${ownerId}`
const ALL_FILES_PK = 'FILES'
/** Same-user instant dedup: one marker per (owner, content hash, size) and file. */
const dedupPk = (ownerId: string, contentHash: string, size: number) =>
  `DEDUP#${ownerId}#${contentHash}#${size}`
const objectPk = (objectKey: string) => `OBJECT#${objectKey}`
const OBJECT_SK = 'OBJECT'
const usagePk = (userId: string) => `USER#${userId}`
const USAGE_SK = 'USAGE'

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

function toFileRecord(item: Record<string, unknown>): FileRecord {
  const fileId = str(item.fileId)
  const ownerId = str(item.ownerId)
  const objectKey = str(item.objectKey)
  const contentHash = str(item.contentHash)
  if (!fileId || !ownerId || !objectKey || !contentHash)
    throw new Error(`malformed file item ${String(item.pk)}`)
  return {
    fileId,
    ownerId,
    name: str(item.name) ?? '',
    size: num(item.size) ?? 0,
    contentType: str(item.contentType) ?? 'application/octet-stream',
    contentHash,
    objectKey,
    integrityCheck: INTEGRITY_CHECKS.find((c) => c === item.integrityCheck) ?? 'read_back',
    uploadId: str(item.uploadId) ?? fileId,
    createdAt: num(item.createdAt) ?? 0,
  }
}

export interface Usage {
  storedBytes: number
  reservedBytes: number
  files: number
}

export interface FilePage {
  files: FileRecord[]
  /** Opaque: pass it back for the next page ('' when this is the last one). */
  nextCursor: string
}

/** Files, stored objects with their reference counts, and per-user usage, in the files table. */
export class FileRepository {
  readonly #db: DynamoDBDocumentClient
  readonly #table: string

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db
    this.#table = table
  }

  async get(fileId: string): Promise<FileRecord | undefined> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: filePk(fileId), sk: FILE_SK },
        ConsistentRead: true,
      }),
    )
    return out.Item ? toFileRecord(out.Item) : undefined
  }

  async getObject(objectKey: string): Promise<StoredObject | undefined> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: objectPk(objectKey), sk: OBJECT_SK },
        ConsistentRead: true,
      }),
    )
    const item = out.Item
    if (!item) return undefined
    return {
      objectKey,
      refCount: num(item.refCount) ?? 0,
      size: num(item.size) ?? 0,
      contentHash: str(item.contentHash) ?? '',
    }
  }

  /** A complete file of this owner with this content, if any (instant dedup is same-user only). */
  async findOwnerDuplicate(
    ownerId: string,
    contentHash: string,
    size: number,
  ): Promise<FileRecord | undefined> {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': dedupPk(ownerId, contentHash, size) },
        ConsistentRead: true,
        Limit: 5,
      }),
    )
    for (const item of out.Items ?? []) {
      const fileId = str(item.fileId)
      const file = fileId ? await this.get(fileId) : undefined
      if (file) return file
    }
    return undefined
  }

  /**
   * The user's usage item: `bytes` of stored files, `reserved` by unfinished uploads, and
   * `committed`, their sum, which the quota condition reads (DynamoDB conditions cannot add).
   */
  async usageOf(userId: string): Promise<Usage> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: usagePk(userId), sk: USAGE_SK },
        ConsistentRead: true,
      }),
    )
    return {
      storedBytes: num(out.Item?.bytes) ?? 0,
      reservedBytes: num(out.Item?.reserved) ?? 0,
      files: num(out.Item?.files) ?? 0,
    }
  }

  /**
   * Reserves `size` bytes for a new upload, refused by the condition when the user's committed
   * bytes would pass `quotaBytes` (0: no quota). Sent in the upload's creation transaction, so
   * parallel creations can never overshoot.
   */
  reserveItem(userId: string, size: number, quotaBytes: number): TransactItem {
    const limited = quotaBytes > 0
    return {
      Update: {
        TableName: this.#table,
        Key: { pk: usagePk(userId), sk: USAGE_SK },
        UpdateExpression: 'ADD #reserved :size, #committed :size',
        ...(limited
          ? { ConditionExpression: 'attribute_not_exists(#committed) OR #committed <= :limit' }
          : {}),
        ExpressionAttributeNames: { '#reserved': 'reserved', '#committed': 'committed' },
        ExpressionAttributeValues: { ':size': size, ...(limited ? { ':limit': quotaBytes - size } : {}) },
      },
    }
  }

  /** Gives back an ended upload's reservation; sent with the change that proves it happens once. */
  releaseItem(userId: string, size: number): TransactItem {
    return {
      Update: {
        TableName: this.#table,
        Key: { pk: usagePk(userId), sk: USAGE_SK },
        UpdateExpression: 'ADD #reserved :minus, #committed :minus',
        ExpressionAttributeNames: { '#reserved': 'reserved', '#committed': 'committed' },
        ExpressionAttributeValues: { ':minus': -size },
      },
    }
  }

  /** A page of files, newest first; `cursor` ('' for the first page) comes from the previous page. */
  async list(scope: { ownerId: string } | { all: true }, limit: number, cursor: string): Promise<FilePage> {
    const byOwner = 'ownerId' in scope
    const startKey = decodeCursor(
      cursor,
      byOwner
        ? { name: 'gsi1pk', value: ownerFilesPk(scope.ownerId) }
        : { name: 'gsi2pk', value: ALL_FILES_PK },
    )
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: byOwner ? 'gsi1' : 'gsi2',
        KeyConditionExpression: byOwner ? 'gsi1pk = :pk' : 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': byOwner ? ownerFilesPk(scope.ownerId) : ALL_FILES_PK },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    )
    return { files: (out.Items ?? []).map(toFileRecord), nextCursor: encodeCursor(out.LastEvaluatedKey) }
  }

  /**
   * Design invariant 7: the file record, the object's reference count, the dedup marker, the owner's
   * usage and the session's `complete` commit together or not at all. `objectExists` says whether the
   * object item is expected to exist (link) or must be created. Returns 'object-changed' when that
   * expectation was wrong (the caller re-reads and retries), 'lease-lost' when the session condition
   * failed.
   */
  async completeUpload(input: {
    file: FileRecord
    objectExists: boolean
    sessionUpdate: TransactItem
  }): Promise<'ok' | 'object-changed' | 'lease-lost'> {
    const { file } = input
    const objectWrite: TransactItem = input.objectExists
      ? {
          Update: {
            TableName: this.#table,
            Key: { pk: objectPk(file.objectKey), sk: OBJECT_SK },
            UpdateExpression: 'ADD refCount :one',
            ConditionExpression: 'attribute_exists(pk) AND refCount > :zero',
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          },
        }
      : {
          Put: {
            TableName: this.#table,
            Item: {
              pk: objectPk(file.objectKey),
              sk: OBJECT_SK,
              objectKey: file.objectKey,
              refCount: 1,
              size: file.size,
              contentHash: file.contentHash,
              integrityCheck: file.integrityCheck,
              createdAt: file.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }
    const sortKey = `${pad(file.createdAt)}#${file.fileId}`
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            objectWrite,
            {
              Put: {
                TableName: this.#table,
                Item: {
                  pk: filePk(file.fileId),
                  sk: FILE_SK,
                  ...file,
                  gsi1pk: ownerFilesPk(file.ownerId),
                  gsi1sk: sortKey,
                  gsi2pk: ALL_FILES_PK,
                  gsi2sk: sortKey,
                },
                // The file id is the upload id: a second finalization can never add a second file.
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: {
                  pk: dedupPk(file.ownerId, file.contentHash, file.size),
                  sk: `FILE#${file.fileId}`,
                  fileId: file.fileId,
                },
              },
            },
            {
              Update: {
                TableName: this.#table,
                Key: { pk: usagePk(file.ownerId), sk: USAGE_SK },
                // `committed` counts the file too until the session's cleanup releases its reservation.
                UpdateExpression: 'ADD #bytes :size, #files :one, #committed :size',
                ExpressionAttributeNames: { '#bytes': 'bytes', '#files': 'files', '#committed': 'committed' },
                ExpressionAttributeValues: { ':size': file.size, ':one': 1 },
              },
            },
            input.sessionUpdate,
          ],
        }),
      )
      return 'ok'
    } catch (err) {
      const refused = refusedItems(err, ['object', 'file', 'dedup', 'usage', 'session'])
      if (refused.has('session') || refused.has('file')) return 'lease-lost'
      if (refused.has('object')) return 'object-changed'
      // TransactionConflict and friends: a concurrent writer; the caller's retry path handles it.
      throw new AppError('UNAVAILABLE', 'file transaction conflicted, retry', {
        cause: err,
        retryAfterSeconds: 1,
      })
    }
  }

  /**
   * Deletes a file and drops its object reference in one transaction. Returns the object key when
   * this was the last reference (the caller then deletes the S3 object), or undefined.
   */
  async deleteFile(file: FileRecord): Promise<{ lastReference: boolean }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const object = await this.getObject(file.objectKey)
      const refCount = object?.refCount ?? 0
      const last = refCount <= 1
      const objectWrite: TransactItem[] = !object
        ? []
        : last
          ? [
              {
                Delete: {
                  TableName: this.#table,
                  Key: { pk: objectPk(file.objectKey), sk: OBJECT_SK },
                  ConditionExpression: 'refCount = :count',
                  ExpressionAttributeValues: { ':count': refCount },
                },
              },
            ]
          : [
              {
                Update: {
                  TableName: this.#table,
                  Key: { pk: objectPk(file.objectKey), sk: OBJECT_SK },
                  UpdateExpression: 'ADD refCount :minus',
                  ConditionExpression: 'refCount = :count',
                  ExpressionAttributeValues: { ':minus': -1, ':count': refCount },
                },
              },
            ]
      try {
        await this.#db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.#table,
                  Key: { pk: filePk(file.fileId), sk: FILE_SK },
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              {
                Delete: {
                  TableName: this.#table,
                  Key: { pk: dedupPk(file.ownerId, file.contentHash, file.size), sk: `FILE#${file.fileId}` },
                },
              },
              {
                Update: {
                  TableName: this.#table,
                  Key: { pk: usagePk(file.ownerId), sk: USAGE_SK },
                  UpdateExpression: 'ADD #bytes :minusSize, #files :minusOne, #committed :minusSize',
                  ExpressionAttributeNames: {
                    '#bytes': 'bytes',
                    '#files': 'files',
                    '#committed': 'committed',
                  },
                  ExpressionAttributeValues: { ':minusSize': -file.size, ':minusOne': -1 },
                },
              },
              ...objectWrite,
            ],
          }),
        )
        return { lastReference: object !== undefined && last }
      } catch (err) {
        if (refusedItems(err, ['file', 'dedup', 'usage', 'object']).has('file')) {
          throw new AppError('NOT_FOUND', 'file not found', { details: { fileId: file.fileId } })
        }
        // The reference count moved under us (another file linked or was deleted): re-read, retry.
      }
    }
    throw new AppError('UNAVAILABLE', 'file deletion kept conflicting, retry', { retryAfterSeconds: 1 })
  }
}
