import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { isConditionalCheckFailed, isTransactionCanceled, isTransientAwsError } from '@lfusys/aws'
import { AppError } from '@lfusys/errors'

/**
 * Users table layout (generic keys):
 *   USER#<id>                  / USER      the account (email, name, optional argon2id hash,
 *                                          emailVerified, sessionEpoch)
 *   EMAIL#<normalised email>   / EMAIL     uniqueness guard, written in the same transaction as the user
 *   IDENTITY#<provider>#<sub>  / IDENTITY  an OAuth identity linked to a user (gsi1: USER#<id>)
 *   FAMILY#<id>                / FAMILY    a refresh token family: the one current token id, revoked flag, ttl
 *   TOKEN#<sha256>             / TOKEN     a single-use email link (AccountTokenRepository), ttl
 */
export interface UserRecord {
  id: string
  email: string
  name: string
  passwordHash: string | null
  /** Proven by a link sent to the address, by a password reset, or by an OAuth provider. */
  emailVerified: boolean
  /**
   * Raised by a password change or reset: tokens carry the epoch they were issued in, and every
   * token of an older epoch (refresh and access) is refused from then on.
   */
  sessionEpoch: number
  createdAt: string
}

export interface NewIdentity {
  provider: string
  subject: string
}

export type RotateResult =
  | { outcome: 'rotated' }
  /** The presented token was replaced moments ago by a concurrent refresh; `currentTokenId` is live. */
  | { outcome: 'superseded'; currentTokenId: string }
  | { outcome: 'reused' }
  | { outcome: 'invalid' }

/**
 * Two tabs of one browser may refresh at the same moment with the same cookie: the loser presents
 * the token the winner just rotated away. Within this window that is a race, not a theft.
 */
export const ROTATION_GRACE_MS = 10_000

const userKey = (id: string) => ({ pk: `USER#${id}`, sk: 'USER' })
const emailKey = (email: string) => ({ pk: `EMAIL#${email}`, sk: 'EMAIL' })
const identityKey = (provider: string, subject: string) => ({
  pk: `IDENTITY#${provider}#${subject}`,
  sk: 'IDENTITY',
})
const familyKey = (id: string) => ({ pk: `FAMILY#${id}`, sk: 'FAMILY' })

export class UserRepository {
  private readonly db: DynamoDBDocumentClient
  private readonly table: string

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db
    this.table = table
  }

  /**
   * Creates the account, its email guard and optionally a linked identity in one transaction:
   * a duplicate email fails the condition on the guard, so two racing registrations never both win.
   */
  async createUser(user: UserRecord, identity?: NewIdentity): Promise<void> {
    const items = [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...userKey(user.id),
            type: 'user',
            id: user.id,
            email: user.email,
            name: user.name,
            ...(user.passwordHash ? { passwordHash: user.passwordHash } : {}),
            emailVerified: user.emailVerified,
            sessionEpoch: user.sessionEpoch,
            createdAt: user.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...emailKey(user.email), type: 'email', userId: user.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(identity ? [this.identityPut(identity, user.id)] : []),
    ]
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }))
    } catch (err) {
      if (isTransactionCanceled(err)) {
        const reasons = cancellationCodes(err)
        if (reasons[1] === 'ConditionalCheckFailed') {
          throw new AppError('ALREADY_EXISTS', 'an account with this email already exists')
        }
        if (reasons[2] === 'ConditionalCheckFailed') {
          throw new AppError('CONFLICT', 'this identity is already linked to an account')
        }
      }
      throw storeError(err)
    }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const out = await this.call(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: userKey(id) })),
    )
    return out.Item ? toUser(out.Item) : undefined
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const guard = await this.call(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: emailKey(email), ConsistentRead: true })),
    )
    const userId = guard.Item?.userId
    // An unknown email costs the same second read as a known one, so login timing does not tell
    // whether an account exists.
    return this.getUser(typeof userId === 'string' ? userId : 'none')
  }

  async findIdentity(provider: string, subject: string): Promise<string | undefined> {
    const out = await this.call(() =>
      this.db.send(
        new GetCommand({ TableName: this.table, Key: identityKey(provider, subject), ConsistentRead: true }),
      ),
    )
    const userId = out.Item?.userId
    return typeof userId === 'string' ? userId : undefined
  }

  /** Links an identity; false when it is already linked (to anyone), so a race never relinks it. */
  async linkIdentity(identity: NewIdentity, userId: string): Promise<boolean> {
    const put = this.identityPut(identity, userId).Put
    try {
      await this.db.send(new PutCommand(put))
      return true
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false
      throw storeError(err)
    }
  }

  /** Marks the address verified, only while the account still has that address. */
  async markEmailVerified(userId: string, email: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKey(userId),
          UpdateExpression: 'SET emailVerified = :true',
          ConditionExpression: 'attribute_exists(pk) AND email = :email',
          ExpressionAttributeValues: { ':true': true, ':email': email },
        }),
      )
      return true
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false
      throw storeError(err)
    }
  }

  /**
   * Replaces the password hash and raises the session epoch in one write, so no token issued before
   * stays usable; a reset also marks the address verified (the link reached its owner). Answers the
   * new epoch.
   */
  async replacePassword(
    userId: string,
    passwordHash: string,
    options: { verifyEmail: boolean },
  ): Promise<number> {
    const out = await this.call(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKey(userId),
          UpdateExpression: options.verifyEmail
            ? 'SET passwordHash = :hash, emailVerified = :true ADD sessionEpoch :one'
            : 'SET passwordHash = :hash ADD sessionEpoch :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':hash': passwordHash,
            ':one': 1,
            ...(options.verifyEmail ? { ':true': true } : {}),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    )
    return Number(out.Attributes?.sessionEpoch ?? 0)
  }

  async createFamily(familyId: string, userId: string, tokenId: string, expiresAt: Date): Promise<void> {
    await this.call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...familyKey(familyId),
            type: 'refresh-family',
            userId,
            tokenId,
            revoked: false,
            ttl: Math.floor(expiresAt.getTime() / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    )
  }

  /**
   * Moves the family to a new token id, only if the presented one is still current. A presented id
   * that was already rotated away means a copy of an old token is in use: the caller revokes the family.
   */
  async rotateFamily(
    familyId: string,
    userId: string,
    presentedTokenId: string,
    nextTokenId: string,
    expiresAt: Date,
    now: Date,
  ): Promise<RotateResult> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: familyKey(familyId),
          UpdateExpression:
            'SET tokenId = :next, previousTokenId = :presented, rotatedAt = :nowMs, #ttl = :ttl',
          ConditionExpression: 'tokenId = :presented AND userId = :user AND revoked = :false AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':next': nextTokenId,
            ':presented': presentedTokenId,
            ':user': userId,
            ':false': false,
            ':ttl': Math.floor(expiresAt.getTime() / 1000),
            ':now': Math.floor(now.getTime() / 1000),
            ':nowMs': now.getTime(),
          },
        }),
      )
      return { outcome: 'rotated' }
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw storeError(err)
    }
    const out = await this.call(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: familyKey(familyId), ConsistentRead: true })),
    )
    const item = out.Item
    const nowSeconds = Math.floor(now.getTime() / 1000)
    if (!item || item.userId !== userId || item.revoked === true || !(Number(item.ttl) > nowSeconds)) {
      return { outcome: 'invalid' }
    }
    if (
      item.previousTokenId === presentedTokenId &&
      typeof item.tokenId === 'string' &&
      now.getTime() - Number(item.rotatedAt) <= ROTATION_GRACE_MS
    ) {
      return { outcome: 'superseded', currentTokenId: item.tokenId }
    }
    if (item.tokenId !== presentedTokenId) return { outcome: 'reused' }
    return { outcome: 'invalid' }
  }

  async revokeFamily(familyId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: familyKey(familyId),
          UpdateExpression: 'SET revoked = :true',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      )
    } catch (err) {
      if (isConditionalCheckFailed(err)) return
      throw storeError(err)
    }
  }

  /** Cheap call for readiness: a consistent read of a key that never exists. */
  async ping(): Promise<void> {
    await this.call(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { pk: 'HEALTH#probe', sk: 'HEALTH' } })),
    )
  }

  private identityPut(identity: NewIdentity, userId: string) {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...identityKey(identity.provider, identity.subject),
          type: 'identity',
          provider: identity.provider,
          subject: identity.subject,
          userId,
          gsi1pk: `USER#${userId}`,
          gsi1sk: `IDENTITY#${identity.provider}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw storeError(err)
    }
  }
}

function toUser(item: Record<string, unknown>): UserRecord {
  return {
    id: String(item.id),
    email: String(item.email),
    name: typeof item.name === 'string' ? item.name : '',
    passwordHash: typeof item.passwordHash === 'string' ? item.passwordHash : null,
    emailVerified: item.emailVerified === true,
    sessionEpoch: typeof item.sessionEpoch === 'number' ? item.sessionEpoch : 0,
    createdAt: String(item.createdAt),
  }
}

function cancellationCodes(err: unknown): (string | undefined)[] {
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons
  return Array.isArray(reasons) ? reasons.map((r) => r?.Code) : []
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
