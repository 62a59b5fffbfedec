import type { Logger } from '@lfusys/logger'
import type { Redis } from 'ioredis'

/**
 * Live upload status (design: WatchUpload). A change is announced on Redis pub/sub; watchers
 * re-read DynamoDB, the source of truth. Redis is only an accelerator: when it is down, publishing
 * is skipped and watchers fall back to polling, so uploads never depend on it.
 */
export interface StatusNotifier {
  publish(uploadId: string): void
  /** Calls `listener` on each announced change; returns the unsubscribe function. */
  subscribe(uploadId: string, listener: () => void): () => void
  /** True while announcements are being received (watchers may then poll slowly). */
  live(): boolean
  close(): Promise<void>
}

const channel = (uploadId: string) => `lfusys:upload:${uploadId}`

export class RedisStatusNotifier implements StatusNotifier {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #log: Logger
  readonly #listeners = new Map<string, Set<() => void>>()

  constructor(publisher: Redis, subscriber: Redis, log: Logger) {
    this.#publisher = publisher
    this.#subscriber = subscriber
    this.#log = log
    subscriber.on('message', (ch: string) => {
      for (const listener of this.#listeners.get(ch) ?? []) listener()
    })
    // Channels added while Redis was away are subscribed once it is back; watchers poll meanwhile.
    subscriber.on('ready', () => {
      const channels = [...this.#listeners.keys()]
      if (channels.length > 0) {
        subscriber
          .subscribe(...channels)
          .catch((err: unknown) => this.#log.debug({ err }, 'resubscribe failed'))
      }
    })
  }

  publish(uploadId: string): void {
    if (this.#publisher.status !== 'ready') return
    this.#publisher.publish(channel(uploadId), String(Date.now())).catch((err: unknown) => {
      this.#log.debug({ err, uploadId }, 'status publish skipped')
    })
  }

  subscribe(uploadId: string, listener: () => void): () => void {
    const ch = channel(uploadId)
    let set = this.#listeners.get(ch)
    if (!set) {
      set = new Set()
      this.#listeners.set(ch, set)
      if (this.#subscriber.status === 'ready') {
        this.#subscriber.subscribe(ch).catch((err: unknown) => this.#log.debug({ err }, 'subscribe failed'))
      }
    }
    set.add(listener)
    return () => {
      const current = this.#listeners.get(ch)
      current?.delete(listener)
      if (current && current.size === 0) {
        this.#listeners.delete(ch)
        if (this.#subscriber.status === 'ready') {
          this.#subscriber.unsubscribe(ch).catch(() => undefined)
        }
      }
    }
  }

  live(): boolean {
    return this.#subscriber.status === 'ready' && this.#publisher.status === 'ready'
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect()
    this.#publisher.disconnect()
  }
}
