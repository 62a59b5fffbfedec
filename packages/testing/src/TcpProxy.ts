import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP pass-through on 127.0.0.1 in front of a dependency, which a test can cut (`stop`: the port
 * refuses connections and open ones are torn down, as when the dependency is down) and restore on
 * the same port (`start`).
 */
export class TcpProxy {
  readonly #target: { host: string; port: number }
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #port = 0

  constructor(target: string) {
    const url = new URL(target)
    this.#target = { host: url.hostname, port: Number(url.port) }
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** Listens (on the previous port after a stop; a free one the first time). */
  async start(): Promise<string> {
    if (this.#server) return this.url
    const server = createServer((client) => {
      const upstream = createConnection(this.#target)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address && typeof address === 'object') this.#port = address.port
    this.#server = server
    return this.url
  }

  /** Refuses new connections and drops open ones. */
  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const s of this.#sockets) s.destroy()
    this.#sockets.clear()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
