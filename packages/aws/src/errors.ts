/**
 * AWS SDK v3 errors are recognised by `name` (the service's error code); one helper so no caller
 * string-matches messages.
 */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const name = (err as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}

export function isAwsError(err: unknown, ...names: string[]): boolean {
  const name = awsErrorName(err)
  return name !== undefined && names.includes(name)
}

export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined
}

export const isConditionalCheckFailed = (err: unknown) => isAwsError(err, 'ConditionalCheckFailedException')
export const isTransactionCanceled = (err: unknown) => isAwsError(err, 'TransactionCanceledException')
export const isS3NotFound = (err: unknown) =>
  isAwsError(err, 'NotFound', 'NoSuchKey', 'NoSuchUpload', 'NoSuchBucket') || httpStatusOf(err) === 404

/** Network failures and throttling: the dependency may come back, so callers answer 503 or retry later. */
export function isTransientAwsError(err: unknown): boolean {
  if (
    isAwsError(
      err,
      'ThrottlingException',
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
      'ServiceUnavailable',
      'InternalError',
      'SlowDown',
      'TimeoutError',
      'RequestTimeout',
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
    )
  ) {
    return true
  }
  const code = (err as { code?: unknown } | null)?.code
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code)
  ) {
    return true
  }
  const status = httpStatusOf(err)
  return status !== undefined && status >= 500
}

/**
 * The cancellation codes of a TransactWriteItems call by the names of its items, in the order they
 * were sent, so callers say `reasons.quota` instead of indexing `reasons[2]`.
 */
export function cancellationReasons<const N extends string>(
  err: unknown,
  names: readonly N[],
): Record<N, string | undefined> {
  const raw = (err as { CancellationReasons?: unknown } | null)?.CancellationReasons
  const list = Array.isArray(raw) ? raw : []
  const out = {} as Record<N, string | undefined>
  names.forEach((name, i) => {
    const code = (list[i] as { Code?: unknown } | undefined)?.Code
    out[name] = typeof code === 'string' && code !== 'None' ? code : undefined
  })
  return out
}
