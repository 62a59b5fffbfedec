import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ChunkPut {
  uploadId: string
  index: number
  status: number
}

const CHUNK_PATH = /^\/api\/v1\/uploads\/([^/]+)\/chunks\/(\d+)$/

/**
 * A pass-through proxy in front of the uploads service that can hold chunk PUTs: tests use it to
 * stop an upload at a known point (after N stored chunks) without timing guesses, then interrupt
 * the client (Ctrl-C, reload, pause) while requests are provably in flight. Every other request
 * (CORS preflights included) passes untouched.
 */
export class ChunkGate {
  readonly upstream: URL
  /** PUTs answered by the uploads service, in completion order. */
  readonly completed: ChunkPut[] = []
  /** Let this many more PUTs through, then hold the rest (Infinity: hold nothing). */
  #allowance = Number.POSITIVE_INFINITY
  #held: Array<{ release: () => void; open: boolean }> = []
  #server: Server | undefined
  url = ''

  constructor(upstream: string) {
    this.upstream = new URL(upstream)
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.#handle(req, res))
    this.#server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}`
    return this.url
  }

  /** Lets `n` more chunk PUTs through and holds every later one until open(). */
  holdAfter(n: number): void {
    this.#allowance = n
  }

  /** Releases held PUTs and stops holding. */
  open(): void {
    this.#allowance = Number.POSITIVE_INFINITY
    const held = this.#held
    this.#held = []
    for (const h of held) h.release()
  }

  /** Held PUTs whose client is still connected. */
  get heldCount(): number {
    return this.#held.filter((h) => h.open).length
  }

  stored(uploadId?: string): number[] {
    return this.completed
      .filter((c) => (uploadId === undefined || c.uploadId === uploadId) && c.status === 201)
      .map((c) => c.index)
  }

  async stop(): Promise<void> {
    this.open()
    const server = this.#server
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const match = req.method === 'PUT' ? CHUNK_PATH.exec(req.url ?? '') : null
    if (!match) {
      this.#forward(req, res)
      return
    }
    const put = { uploadId: match[1] ?? '', index: Number(match[2]) }
    if (this.#allowance > 0) {
      this.#allowance--
      this.#forward(req, res, put)
      return
    }
    // Held: the body is read into memory (so the server notices when the client gives up: a
    // paused socket would never see the FIN) and no answer is sent until release.
    const parts: Buffer[] = []
    let complete = false
    let released = false
    req.on('data', (c: Buffer) => parts.push(c))
    const entry = {
      open: true,
      release: () => {
        if (released || !entry.open) return
        released = true
        const send = () => {
          if (entry.open) this.#forward(req, res, put, Buffer.concat(parts))
        }
        if (complete) send()
        else req.once('end', send)
      },
    }
    req.once('end', () => {
      complete = true
    })
    res.once('close', () => {
      if (!res.writableFinished) entry.open = false
    })
    this.#held.push(entry)
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    put?: { uploadId: string; index: number },
    body?: Buffer,
  ): void {
    const upstream = request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.upstream.host },
      },
      (up) => {
        if (put) this.completed.push({ ...put, status: up.statusCode ?? 0 })
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end()
      else res.destroy()
    })
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    if (body) upstream.end(body)
    else req.pipe(upstream)
  }
}
