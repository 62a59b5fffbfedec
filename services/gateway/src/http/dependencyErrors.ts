import { isTransientAwsError } from '@lfusys/aws'
import { AppError } from '@lfusys/errors'

/**
 * A DynamoDB that refuses connections, times out or throttles is a dependency down, not a bug:
 * 503 with Retry-After, never 500 (the cause goes to the log). The account repositories already
 * say so for their own calls; this catches any other path a transient AWS error escapes from.
 */
export function dependencyUnavailable(err: unknown): AppError | undefined {
  if (!isTransientAwsError(err)) return undefined
  return new AppError('UNAVAILABLE', 'the account store is unavailable', {
    cause: err,
    retryAfterSeconds: 2,
  })
}
