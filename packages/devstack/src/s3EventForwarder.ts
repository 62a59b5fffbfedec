import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { objectCreatedMessage } from '@lfusys/aws'

/**
 * A rule of the bucket notification this forwarder stands in for (as Terraform declares it on AWS):
 * objects created under `prefix` in `bucket` are announced on `queueUrl`.
 */
export interface NotificationRule {
  bucket: string
  prefix: string
  queueUrl: string
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
  failed: number
}

/**
 * fauxqs has no bucket notifications. Its message spy reports each stored object synchronously,
 * so wrapping the spy's public `addMessage` lets the launcher, running fauxqs in-process, turn every
 * object creation into the standard S3 event message on the configured queue. Delivery is at least
 * once and unordered, as on AWS.
 */
export class S3EventForwarder {
  readonly stats: ForwarderStats = { forwarded: 0, failed: 0 }
  readonly #resolve: (bucket: string) => Promise<NotificationRule | undefined>
  readonly #resolved = new Map<string, NotificationRule>()
  readonly #pending = new Set<Promise<void>>()
  readonly #s3: S3Client
  readonly #sqs: SQSClient
  readonly #region: string
  readonly #onError: (err: unknown, event: { bucket: string; key: string }) => void

  constructor(options: {
    /** Which queue, if any, a bucket's notification targets. */
    resolve: (bucket: string) => Promise<NotificationRule | undefined>
    s3: S3Client
    sqs: SQSClient
    region: string
    onError?: (err: unknown, event: { bucket: string; key: string }) => void
  }) {
    this.#resolve = options.resolve
    this.#s3 = options.s3
    this.#sqs = options.sqs
    this.#region = options.region
    this.#onError = options.onError ?? (() => {})
  }

  /** Wraps the spy so every `uploaded` S3 event is also forwarded. */
  attach(spy: SpyLike): void {
    const original = spy.addMessage.bind(spy)
    spy.addMessage = (message: unknown) => {
      original(message)
      this.#onSpyEvent(message as SpyEvent)
    }
  }

  #onSpyEvent(event: SpyEvent): void {
    if (event.service !== 's3' || event.status !== 'uploaded' || !event.bucket || !event.key) return
    const { bucket, key } = event
    const task = this.#forward(bucket, key).finally(() => this.#pending.delete(task))
    this.#pending.add(task)
  }

  async #ruleFor(bucket: string): Promise<NotificationRule | undefined> {
    const cached = this.#resolved.get(bucket)
    if (cached) return cached
    const rule = await this.#resolve(bucket)
    // Only positive answers are cached: the queue may be created after the bucket's first object.
    if (rule) this.#resolved.set(bucket, rule)
    return rule
  }

  async #forward(bucket: string, key: string): Promise<void> {
    let rule: NotificationRule | undefined
    try {
      rule = await this.#ruleFor(bucket)
      if (!rule || !key.startsWith(rule.prefix)) return
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: rule.bucket, Key: key }))
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: rule.queueUrl,
          MessageBody: objectCreatedMessage({
            region: this.#region,
            bucket: rule.bucket,
            key,
            size: head.ContentLength ?? 0,
            eTag: head.ETag ?? '',
          }),
        }),
      )
      this.stats.forwarded += 1
    } catch (err) {
      // The object may already be gone (a chunk deleted right after finalization): S3 would still
      // have sent the event, but with nothing to head there is nothing useful to announce.
      this.stats.failed += 1
      this.#onError(err, { bucket, key })
    }
  }

  /** Waits for in-flight forwards (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }
}
