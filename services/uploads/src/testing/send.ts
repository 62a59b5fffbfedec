import { request } from 'node:http'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface RawPut {
  method?: string
  path: string
  headers: Record<string, string>
  /** Sent after the headers; undefined sends no body and waits for an early answer. */
  body?: Uint8Array | undefined
}

/**
 * A plain node:http client, so tests control Content-Length, chunked encoding and how much of the
 * body is sent (fetch would fix those itself).
 */
export function send(baseUrl: string, options: RawPut): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'PUT', headers: options.headers, agent: false },
      (res) => {
        const parts: Buffer[] = []
        res.on('data', (piece: Buffer) => parts.push(piece))
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8')
          let body: unknown = text
          try {
            body = text === '' ? undefined : JSON.parse(text)
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
          req.destroy()
        })
        res.on('error', reject)
      },
    )
    // An early answer may close the connection while the body is still being written.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
    })
    if (options.body !== undefined) req.end(options.body)
    else req.flushHeaders()
  })
}
