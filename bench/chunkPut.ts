import { createHash } from 'node:crypto'
import { type Agent, request } from 'node:http'
import { formatContentDigest } from '@lfusys/contracts'

export interface ChunkPutResult {
  status: number
  /** Seconds, from Retry-After (1 when absent). */
  retryAfter: number
}

/**
 * One chunk PUT to the uploads service as the engine sends it (bearer upload token,
 * Content-Digest, exact length); the answer's body is drained. `digest` defaults to the body's
 * SHA-256; with `timeoutMs`, a PUT that gets no answer in time fails (a network error to retry).
 */
export function putChunk(
  agent: Agent,
  url: string,
  token: string,
  body: Buffer,
  options: { digest?: string; timeoutMs?: number } = {},
): Promise<ChunkPutResult> {
  const digest = options.digest ?? formatContentDigest(createHash('sha256').update(body).digest())
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-digest': digest,
          'content-length': String(body.length),
          'content-type': 'application/octet-stream',
        },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }),
        )
      },
    )
    req.on('error', reject)
    const timeoutMs = options.timeoutMs
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)))
    }
    req.end(body)
  })
}
