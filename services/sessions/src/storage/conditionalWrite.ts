import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb'
import { cancellationReasons, isConditionalCheckFailed, isTransactionCanceled } from '@lfusys/aws'

/** One item of a TransactWriteItems call. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number]

/**
 * Sends a conditional write; `undefined` when DynamoDB refused it because its condition did not
 * hold (another writer got there first, or the item moved on). Any other error is thrown. The one
 * place sessions recognises a refused condition.
 */
export async function unlessRefused<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined
    throw err
  }
}

/** Whether a conditional write went through (false: its condition refused it). */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  return (await unlessRefused(write.then(() => true))) ?? false
}

/**
 * The items of a cancelled transaction whose condition failed, by the names given to the items in
 * the order they were sent. An error other than a transaction cancellation is thrown.
 */
export function refusedItems<const N extends string>(err: unknown, names: readonly N[]): ReadonlySet<N> {
  if (!isTransactionCanceled(err)) throw err
  const reasons = cancellationReasons(err, names)
  return new Set(names.filter((name) => reasons[name] === 'ConditionalCheckFailed'))
}
