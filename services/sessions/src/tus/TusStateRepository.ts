import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { isConditionalCheckFailed } from '@lfusys/aws'
import { uploadPk } from '../uploads/keys.ts'

/** Sort key of an upload's tus state, an item beside its SESSION item (docs/data-model.md). */
export const TUS_SK = 'TUS'

export interface TusStateRecord {
  uploadId: string
  /** Bytes stored: complete chunks as chunk objects, the rest in `stagingKey`. */
  offset: number
  /** The staging object of the partial chunk, or '' when the offset is on a chunk boundary. */
  stagingKey: string
  lockId: string
  /** Epoch ms; 0 when unlocked. */
  lockExpiresAt: number
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')
const num = (v: unknown) => (typeof v === 'number' ? v : 0)

function toRecord(item: Record<string, unknown>): TusStateRecord {
  return {
    uploadId: str(item.uploadId),
    offset: num(item.offset),
    stagingKey: str(item.stagingKey),
    lockId: str(item.lockId),
    lockExpiresAt: num(item.lockExpiresAt),
  }
}

export type LockOutcome =
  | { kind: 'locked'; state: TusStateRecord }
  | { kind: 'offset_mismatch'; state: TusStateRecord }
  | { kind: 'busy'; state: TusStateRecord }
  /** Missing, or another user's. */
  | { kind: 'missing' }
  /** Started before items named their owner: lock it once with `adopt`, after checking the session. */
  | { kind: 'unowned' }

/**
 * The tus state item of an upload. Every change is a conditional write, so the lock (owner +
 * expiry) and the offset are consistent across any number of gateway and sessions processes.
 */
export class TusStateRepository {
  readonly #db: DynamoDBDocumentClient
  readonly #table: string

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db
    this.#table = table
  }

  /**
   * Creates the item at offset 0 unless it exists; `ttlSeconds` matches the session's expiry. It
   * names the upload's owner and size, so locks and advances check them in their own writes.
   */
  async start(
    uploadId: string,
    ttlSeconds: number,
    upload: { userId: string; fileSize: number },
  ): Promise<TusStateRecord> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: uploadPk(uploadId),
            sk: TUS_SK,
            uploadId,
            offset: 0,
            stagingKey: '',
            lockId: '',
            lockExpiresAt: 0,
            owner: upload.userId,
            fileSize: upload.fileSize,
            ttl: ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err
    }
    const state = await this.get(uploadId)
    if (!state) throw new Error(`tus state of ${uploadId} vanished after creation`)
    return state
  }

  async get(uploadId: string): Promise<TusStateRecord | undefined> {
    const item = await this.#item(uploadId)
    return item ? toRecord(item) : undefined
  }

  async #item(uploadId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: uploadPk(uploadId), sk: TUS_SK },
        ConsistentRead: true,
      }),
    )
    return out.Item
  }

  /**
   * Takes the lock if it is free (or expired, or already ours), the offset is `offset` and the
   * upload is `userId`'s. With `adopt` (the session was read and is theirs), an item that names no
   * owner yet is given one and the file size.
   */
  async lock(
    uploadId: string,
    input: { lockId: string; offset: number; leaseMs: number; userId: string; adopt?: { fileSize: number } },
    now: number,
  ): Promise<LockOutcome> {
    const { adopt } = input
    try {
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: TUS_SK },
          UpdateExpression: adopt
            ? 'SET lockId = :me, lockExpiresAt = :until, #owner = :owner, fileSize = :size'
            : 'SET lockId = :me, lockExpiresAt = :until',
          ConditionExpression:
            `attribute_exists(pk) AND ${adopt ? '(attribute_not_exists(#owner) OR #owner = :owner)' : '#owner = :owner'}` +
            ' AND #offset = :offset AND (lockExpiresAt < :now OR lockId = :me)',
          ExpressionAttributeNames: { '#offset': 'offset', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':me': input.lockId,
            ':until': now + input.leaseMs,
            ':offset': input.offset,
            ':now': now,
            ':owner': input.userId,
            ...(adopt ? { ':size': adopt.fileSize } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return { kind: 'locked', state: toRecord(out.Attributes ?? {}) }
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err
    }
    const item = await this.#item(uploadId)
    if (!item) return { kind: 'missing' }
    if (item.owner === undefined && !adopt) return { kind: 'unowned' }
    if (item.owner !== undefined && item.owner !== input.userId) return { kind: 'missing' }
    const state = toRecord(item)
    if (state.offset !== input.offset) return { kind: 'offset_mismatch', state }
    return { kind: 'busy', state }
  }

  /**
   * Moves the offset under the lock and renews it, or with `unlock` releases it in the same write;
   * undefined when the lock or the offset moved, the upload is not `userId`'s, or `toOffset` is past
   * the file.
   */
  async advance(
    uploadId: string,
    input: {
      userId: string
      lockId: string
      fromOffset: number
      toOffset: number
      stagingKey: string
      leaseMs: number
      unlock: boolean
    },
    now: number,
  ): Promise<TusStateRecord | undefined> {
    try {
      const out = await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: TUS_SK },
          UpdateExpression: input.unlock
            ? 'SET #offset = :to, stagingKey = :staging, lockId = :none, lockExpiresAt = :until'
            : 'SET #offset = :to, stagingKey = :staging, lockExpiresAt = :until',
          ConditionExpression:
            'attribute_exists(pk) AND #offset = :from AND lockId = :me AND lockExpiresAt >= :now' +
            ' AND #owner = :owner AND fileSize >= :to',
          ExpressionAttributeNames: { '#offset': 'offset', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':to': input.toOffset,
            ':from': input.fromOffset,
            ':staging': input.stagingKey,
            ':me': input.lockId,
            ':owner': input.userId,
            ':now': now,
            ':until': input.unlock ? 0 : now + input.leaseMs,
            ...(input.unlock ? { ':none': '' } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return toRecord(out.Attributes ?? {})
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined
      throw err
    }
  }

  /** Releases the lock if `lockId` still holds it. */
  async unlock(uploadId: string, lockId: string): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: uploadPk(uploadId), sk: TUS_SK },
          UpdateExpression: 'SET lockId = :none, lockExpiresAt = :zero',
          ConditionExpression: 'attribute_exists(pk) AND lockId = :me',
          ExpressionAttributeValues: { ':none': '', ':zero': 0, ':me': lockId },
        }),
      )
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err
    }
  }
}
