import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { isS3NotFound, objectCreatedMessage } from '@lfusys/aws'

/**
 * A rule of the bucket notification this forwarder stands in for (as Terraform declares it on AWS):
 * objects created under `prefix` in `bucket` are announced on the queue named `queueName`.
 */
export interface NotificationRule {
  bucket: string
  prefix: string
  queueName: string
}

interface SpyEvent {
  service: string
  bucket?: string
  key?: string
  status?: string
}

/** What the forwarder needs of fauxqs' message spy: its public `addMessage`. */
export interface SpyLike {
  addMessage(message: unknown): void
}

export interface ForwarderStats {
  forwarded: number
  /** Objects already gone when their event was due (deleted right after creation). */
  vanished: number
  failed: number
}

export interface S3EventForwarderOptions {
  /** Which queue, if any, a bucket's notification targets. */
  resolve: (bucket: string) => Promise<NotificationRule | undefined>
  s3: S3Client
  /** Enqueues a message on a queue by name (fauxqs' in-process `sendMessage`). */
  send: (queueName: string, body: string) => void
  region: string
  /** Forwards in flight at once; the rest wait in order. */
  concurrency?: number
  /** Attempts per event before it is reported as failed. */
  attempts?: number
  onError?: (err: unknown, event: { bucket: string; key: string }) => void
}

/**
 * fauxqs has no bucket notifications. Its message spy reports each stored object synchronously,
 * so wrapping the spy's public `addMessage` lets the launcher, running fauxqs in-process, turn every
 * object creation into the standard S3 event message on the configured queue. Delivery is at least
 * once and unordered, as on AWS. An event is never dropped for load: forwards are queued with a
 * bounded concurrency and retried with backoff.
 */
export class S3EventForwarder {
  readonly stats: ForwarderStats = { forwarded: 0, vanished: 0, failed: 0 }
  readonly #o: Required<Omit<S3EventForwarderOptions, 'onError'>> & Pick<S3EventForwarderOptions, 'onError'>
  readonly #resolved = new Map<string, NotificationRule>()
  readonly #waiting: { bucket: string; key: string }[] = []
  readonly #idle = new Set<() => void>()
  #active = 0

  constructor(options: S3EventForwarderOptions) {
    this.#o = { concurrency: 8, attempts: 8, ...options }
  }

  /** Wraps the spy so every `uploaded` S3 event is also forwarded. */
  attach(spy: SpyLike): void {
    const original = spy.addMessage.bind(spy)
    spy.addMessage = (message: unknown) => {
      original(message)
      const event = message as SpyEvent
      if (event.service !== 's3' || event.status !== 'uploaded' || !event.bucket || !event.key) return
      this.#waiting.push({ bucket: event.bucket, key: event.key })
      this.#pump()
    }
  }

  #pump(): void {
    while (this.#active < this.#o.concurrency && this.#waiting.length > 0) {
      const next = this.#waiting.shift()
      if (!next) break
      this.#active += 1
      void this.#forward(next.bucket, next.key).finally(() => {
        this.#active -= 1
        this.#pump()
        if (this.#active === 0 && this.#waiting.length === 0) {
          for (const done of this.#idle) done()
          this.#idle.clear()
        }
      })
    }
  }

  async #ruleFor(bucket: string): Promise<NotificationRule | undefined> {
    const cached = this.#resolved.get(bucket)
    if (cached) return cached
    const rule = await this.#o.resolve(bucket)
    // Only positive answers are cached: the queue may be created after the bucket's first object.
    if (rule) this.#resolved.set(bucket, rule)
    return rule
  }

  async #forward(bucket: string, key: string): Promise<void> {
    let lastError: unknown
    for (let attempt = 1; attempt <= this.#o.attempts; attempt++) {
      try {
        const rule = await this.#ruleFor(bucket)
        if (!rule || !key.startsWith(rule.prefix)) return
        const head = await this.#o.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        this.#o.send(
          rule.queueName,
          objectCreatedMessage({
            region: this.#o.region,
            bucket,
            key,
            size: head.ContentLength ?? 0,
            eTag: head.ETag ?? '',
          }),
        )
        this.stats.forwarded += 1
        return
      } catch (err) {
        // Deleted before its event went out (a chunk removed right after finalization): S3 would
        // still announce it, but with nothing to head there is no size to report, and consumers
        // treat events for finished uploads as done anyway.
        if (isS3NotFound(err)) {
          this.stats.vanished += 1
          return
        }
        lastError = err
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)))
      }
    }
    this.stats.failed += 1
    this.#o.onError?.(lastError, { bucket, key })
  }

  /** Resolves once every event seen so far has been forwarded (or has failed all attempts). */
  drain(): Promise<void> {
    if (this.#active === 0 && this.#waiting.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.add(resolve))
  }
}
