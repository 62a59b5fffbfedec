import { createHash, randomBytes } from 'node:crypto'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { isConditionalCheckFailed, isTransientAwsError } from '@lfusys/aws'
import { AppError } from '@lfusys/errors'

export type AccountTokenPurpose = 'verify-email' | 'reset-password'

export interface AccountTokenRecord {
  purpose: AccountTokenPurpose
  userId: string
  /** The address the link was sent to; a verification only counts while the account still has it. */
  email: string
  /** The account's session epoch at issue: a later password reset makes every older link useless. */
  sessionEpoch: number
}

export type ConsumeResult =
  | { outcome: 'ok'; record: AccountTokenRecord }
  | { outcome: 'expired' }
  | { outcome: 'invalid' }

const tokenKey = (hash: string) => ({ pk: `TOKEN#${hash}`, sk: 'TOKEN' })
const digest = (token: string) => createHash('sha256').update(token).digest('hex')

/**
 * Single-use email link tokens in the users table (`TOKEN#<sha256 of the token>` / `TOKEN`). Only the
 * hash is stored, so a copy of the table cannot be turned into working links. The token carries
 * 256 random bits, so an unsalted fast hash is enough (nothing to brute-force). Expiry is enforced
 * by the condition on `ttl`; DynamoDB's TTL only cleans up later.
 */
export class AccountTokenRepository {
  private readonly db: DynamoDBDocumentClient
  private readonly table: string

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db
    this.table = table
  }

  /** Stores a new token and returns its clear value (the only copy, for the email). */
  async issue(record: AccountTokenRecord, ttlSeconds: number, now: Date): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...tokenKey(digest(token)),
            type: 'account-token',
            ...record,
            ttl: Math.floor(now.getTime() / 1000) + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
    } catch (err) {
      throw storeError(err)
    }
    return token
  }

  /**
   * Deletes the token if it exists, has this purpose and has not expired, in one conditional write:
   * two racing uses of one link never both succeed.
   */
  async consume(token: string, purpose: AccountTokenPurpose, now: Date): Promise<ConsumeResult> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { outcome: 'invalid' }
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: tokenKey(digest(token)),
          ConditionExpression: 'attribute_exists(pk) AND purpose = :purpose AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':purpose': purpose, ':now': Math.floor(now.getTime() / 1000) },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      const item = out.Attributes ?? {}
      return {
        outcome: 'ok',
        record: {
          purpose,
          userId: String(item.userId),
          email: String(item.email),
          sessionEpoch: Number(item.sessionEpoch ?? 0),
        },
      }
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        // The document client does not unmarshall the item of a failed condition: read raw values.
        const item = (err as { Item?: Record<string, { S?: string; N?: string }> }).Item
        if (item?.purpose?.S === purpose && Number(item.ttl?.N) <= Math.floor(now.getTime() / 1000)) {
          return { outcome: 'expired' }
        }
        return { outcome: 'invalid' }
      }
      throw storeError(err)
    }
  }
}

function storeError(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (isTransientAwsError(err)) {
    return new AppError('UNAVAILABLE', 'the account store is unavailable', {
      cause: err,
      retryAfterSeconds: 2,
    })
  }
  return new AppError('INTERNAL', 'account store failure', { cause: err })
}
