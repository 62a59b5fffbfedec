export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** A server asking for longer than this is waited on for this long, then asked again. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
}

/**
 * Quick retries for a request that got no HTTP response at all (connection refused or reset: a
 * server restarting, a proxy switching over). Such a request did nothing on the server, so it is
 * sent again at once-ish, with full jitter under a 1 s ceiling, for up to `budgetMs`; only then
 * does it count as one failed attempt of the slower RetryPolicy.
 */
export interface ConnectionRetryPolicy {
  baseDelayMs: number
  maxDelayMs: number
  /** How long to keep retrying one request before giving the failure to the caller. */
  budgetMs: number
}

export const DEFAULT_CONNECTION_RETRY: ConnectionRetryPolicy = {
  baseDelayMs: 100,
  maxDelayMs: 1000,
  budgetMs: 20_000,
}

/** The wait before quick retry number `attempt` (from 0) of a request that got no response. */
export function connectionRetryDelay(
  attempt: number,
  policy: ConnectionRetryPolicy = DEFAULT_CONNECTION_RETRY,
  random: () => number = Math.random,
): number {
  return backoffDelay(
    attempt,
    { maxAttempts: Number.POSITIVE_INFINITY, maxRetryAfterMs: 0, ...policy },
    random,
  )
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^attempt)).
 * Full jitter spreads the retries of many clients that failed together (a 503 wave) instead of
 * bringing them back in lockstep. `attempt` counts from 0 for the first retry.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt))
  return Math.floor(random() * ceiling)
}

/**
 * Retry-After is either delay-seconds or an HTTP-date (RFC 9110 10.2.3). Returns milliseconds from
 * `nowMs`, never negative; undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Date.parse accepts many formats; an HTTP-date always names a weekday and GMT.
  if (!/GMT$/.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/**
 * The wait before retry number `attempt`: the server's Retry-After when it gave one (capped, plus a
 * little jitter so that clients told the same second do not return together), else full-jitter
 * backoff.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs) + Math.floor(random() * policy.baseDelayMs)
  }
  return backoffDelay(attempt, policy, random)
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
