import {
  type ConnectionRetryPolicy,
  connectionRetryDelay,
  DEFAULT_CONNECTION_RETRY,
  sleep,
} from './backoff.ts'
import { isAbortError } from './errors.ts'
import type { FetchLike } from './GatewayClient.ts'

export interface ChunkPutRequest {
  url: string
  token: string
  contentDigest: string
  body: Uint8Array<ArrayBuffer>
  signal: AbortSignal
  /** Bytes of this chunk sent so far, when the transport can tell (XHR can, fetch cannot). */
  onProgress?: (sentBytes: number) => void
}

export interface ChunkPutResponse {
  status: number
  retryAfter: string | null
  body: unknown
}

/** Thrown by a transport when no HTTP response arrived (connection refused, reset, DNS...). */
export class TransportError extends Error {
  override readonly name = 'TransportError'
}

/** Sends one chunk. Rejects with TransportError on network failure, or the signal's reason. */
export type ChunkTransport = (request: ChunkPutRequest) => Promise<ChunkPutResponse>

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Chunk PUTs go straight to the uploads service with the upload token, never with cookies, so a
 * page on another origin cannot ride on the user's session.
 */
export function fetchChunkTransport(
  fetchImpl: FetchLike = (i, init) => globalThis.fetch(i, init),
): ChunkTransport {
  return async (req) => {
    let res: Response
    try {
      res = await fetchImpl(req.url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${req.token}`,
          'content-digest': req.contentDigest,
          'content-type': 'application/octet-stream',
        },
        body: req.body,
        credentials: 'omit',
        signal: req.signal,
      })
    } catch (err) {
      if (isAbortError(err) || req.signal.aborted) throw req.signal.reason ?? err
      throw new TransportError('chunk upload request failed', { cause: err })
    }
    const body = await readJson(res)
    if (res.ok) req.onProgress?.(req.body.length)
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body }
  }
}

/**
 * Sends a chunk again quickly when no HTTP response arrived (TransportError: the uploads service
 * restarting refuses connections for a few seconds), with jittered delays under a 1 s ceiling, for
 * up to the policy's budget; then the TransportError goes to the engine, whose slower backoff
 * counts it as one attempt. Without this, a restart of a few seconds climbed the engine's
 * exponential backoff and cost tens of seconds. A chunk PUT is idempotent, so a resend is safe.
 */
export function retryingConnections(
  transport: ChunkTransport,
  policy: ConnectionRetryPolicy = DEFAULT_CONNECTION_RETRY,
  random: () => number = Math.random,
): ChunkTransport {
  return async (req) => {
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      try {
        return await transport(req)
      } catch (err) {
        if (!(err instanceof TransportError) || req.signal.aborted) throw err
        const delay = connectionRetryDelay(attempt, policy, random)
        if (Date.now() - started + delay > policy.budgetMs) throw err
        req.onProgress?.(0)
        await sleep(delay, req.signal)
      }
    }
  }
}
