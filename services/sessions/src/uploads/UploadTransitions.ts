import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb'
import type { IntegrityCheck, UploadRecord } from '../domain/UploadRecord.ts'
import { conditionHeld, refusedItems, type TransactItem, unlessRefused } from '../storage/conditionalWrite.ts'
import { pad, SWEEP_CLEANUP } from './keys.ts'
import {
  activeTtl,
  endedTtl,
  returnedRecord,
  sessionKey,
  type UploadTable,
  type UploadTableOptions,
  uploadTable,
} from './uploadItem.ts'

/**
 * The session's state machine (design invariants 6 and 9), each step one conditional write, so that
 * of many workers exactly one wins it: created -> uploading (first chunk) -> finalizing (the lease)
 * -> complete | failed, or created|uploading -> cancelled | expired. A refused step answers
 * undefined/false; nothing here throws for a lost race.
 */
export class UploadTransitions {
  readonly #t: UploadTable

  constructor(db: DynamoDBDocumentClient, options: UploadTableOptions) {
    this.#t = uploadTable(db, options)
  }

  #update(uploadId: string, input: Omit<UpdateCommandInput, 'TableName' | 'Key'>) {
    return this.#t.db.send(
      new UpdateCommand({ TableName: this.#t.table, Key: sessionKey(uploadId), ...input }),
    )
  }

  /**
   * Adds a chunk to the received set (a set, so a repeated event changes nothing) and moves
   * `created` to `uploading`. Returns the session after the write, or undefined when the session no
   * longer accepts chunks.
   */
  async recordChunk(uploadId: string, index: number, now: number, expiresAt: number) {
    const out = await unlessRefused(
      this.#update(uploadId, {
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
          ':ttl': activeTtl(expiresAt),
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    return returnedRecord(out)
  }

  /**
   * The finalization lease (design invariant 6): exactly one worker moves a complete session to
   * `finalizing`, or takes over one whose holder's lease ran out.
   */
  async acquireLease(uploadId: string, owner: string, now: number, leaseMs: number) {
    const out = await unlessRefused(
      this.#update(uploadId, {
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
    return returnedRecord(out)
  }

  /** False when the lease was lost (another worker took over after it expired). */
  renewLease(uploadId: string, owner: string, until: number): Promise<boolean> {
    return conditionHeld(
      this.#update(uploadId, {
        UpdateExpression: 'SET leaseExpiresAt = :until',
        ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':until': until, ':owner': owner, ':finalizing': 'finalizing' },
      }),
    )
  }

  /** Gives the lease back after a failure, so the next delivery need not wait for it to expire. */
  async releaseLease(uploadId: string, owner: string): Promise<void> {
    await conditionHeld(
      this.#update(uploadId, {
        UpdateExpression: 'SET leaseExpiresAt = :zero',
        ConditionExpression: '#status = :finalizing AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':owner': owner, ':finalizing': 'finalizing' },
      }),
    )
  }

  /** Lease holder ends the upload as failed; chunk cleanup is left marked for the sweeper until done. */
  async markFailed(uploadId: string, owner: string, reason: string, now: number) {
    const out = await unlessRefused(
      this.#update(uploadId, {
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
          ':ttl': endedTtl(this.#t, now),
          ':finalizing': 'finalizing',
          ':owner': owner,
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    return returnedRecord(out)
  }

  /**
   * Cancels or expires an unfinished session. Conditional, so on many sweeper instances exactly one
   * wins; `expiredBefore` additionally requires the session to be past its expiry.
   */
  async end(uploadId: string, status: 'cancelled' | 'expired', now: number, expiredBefore?: number) {
    const values: Record<string, unknown> = {
      ':status': status,
      ':now': now,
      ':created': 'created',
      ':uploading': 'uploading',
      ':cleanup': SWEEP_CLEANUP,
      ':gsi2sk': `${pad(now)}#${uploadId}`,
      ':ttl': endedTtl(this.#t, now),
    }
    if (expiredBefore !== undefined) values[':before'] = expiredBefore
    const out = await unlessRefused(
      this.#update(uploadId, {
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
    return returnedRecord(out)
  }

  /** Completion writes for the cross-table transaction (see FileRepository.completeUpload). */
  completionUpdate(
    record: UploadRecord,
    owner: string,
    contentHash: string,
    check: IntegrityCheck,
    now: number,
  ): TransactItem {
    return {
      Update: {
        TableName: this.#t.table,
        Key: sessionKey(record.uploadId),
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
          ':ttl': endedTtl(this.#t, now),
          ':one': 1,
          ':finalizing': 'finalizing',
          ':owner': owner,
        },
      },
    }
  }

  /**
   * Chunk objects and multipart uploads of an ended session are gone: take it off the sweep index,
   * and give back its quota reservation (`release`) in the same transaction, so it happens once.
   * Someone else having done it already (the condition) is no error.
   */
  async cleanupDone(record: UploadRecord, release?: TransactItem): Promise<void> {
    if (!release || record.reservedBytes <= 0) {
      await conditionHeld(
        this.#update(record.uploadId, {
          UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'gsi2pk = :cleanup',
          ExpressionAttributeValues: { ':cleanup': SWEEP_CLEANUP },
        }),
      )
      return
    }
    const names = ['session', 'release'] as const
    try {
      await this.#t.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#t.table,
                Key: sessionKey(record.uploadId),
                UpdateExpression: 'REMOVE gsi2pk, gsi2sk, reservedBytes',
                ConditionExpression: 'gsi2pk = :cleanup AND reservedBytes = :reserved',
                ExpressionAttributeValues: { ':cleanup': SWEEP_CLEANUP, ':reserved': record.reservedBytes },
              },
            },
            release,
          ],
        }),
      )
    } catch (err) {
      if (!refusedItems(err, names).has('session')) throw err
    }
  }
}
