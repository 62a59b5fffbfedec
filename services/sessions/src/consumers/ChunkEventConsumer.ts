import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import { decodeEventKey } from '@lfusys/aws'
import type { Logger } from '@lfusys/logger'
import { type MessageTrace, observeGauge, untraced, withMessageSpan } from '@lfusys/telemetry'
import { z } from 'zod'
import type { ChunkEvent, ChunkEventService, EventOutcome } from '../uploads/ChunkEventService.ts'

export interface ChunkEventConsumerOptions {
  queueUrl: string
  workers: number
  batchSize: number
  waitSeconds: number
  visibilityTimeoutSeconds: number
}

/** The S3 event notification format, as far as the consumer relies on it. */
const s3EventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string().startsWith('ObjectCreated:'),
        eventTime: z.string().optional(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1).max(2048), size: z.number().int().min(0).optional() }),
        }),
      }),
    )
    .min(1)
    .max(100),
})
/** S3 sends this once when a notification is configured; it carries no object. */
const testEventSchema = z.object({ Event: z.literal('s3:TestEvent') })

export type ParsedMessage =
  | { kind: 'events'; events: ChunkEvent[] }
  | { kind: 'test' }
  | { kind: 'malformed'; reason: string }

export function parseMessage(body: string | undefined): ParsedMessage {
  let json: unknown
  try {
    json = JSON.parse(body ?? '')
  } catch {
    return { kind: 'malformed', reason: 'body is not JSON' }
  }
  if (testEventSchema.safeParse(json).success) return { kind: 'test' }
  const parsed = s3EventSchema.safeParse(json)
  if (!parsed.success)
    return { kind: 'malformed', reason: parsed.error.issues[0]?.message ?? 'not an S3 event' }
  try {
    return {
      kind: 'events',
      events: parsed.data.Records.map((r) => ({
        bucket: r.s3.bucket.name,
        key: decodeEventKey(r.s3.object.key),
        size: r.s3.object.size ?? 0,
        ...(r.eventTime && Number.isFinite(Date.parse(r.eventTime))
          ? { eventTime: Date.parse(r.eventTime) }
          : {}),
      })),
    }
  } catch {
    return { kind: 'malformed', reason: 'object key is not URL-encoded' }
  }
}

/** The worst outcome of a message's records decides; a deferral counts as a retry, the longest wins. */
function worse(a: EventOutcome, b: EventOutcome): EventOutcome {
  const rank = (o: EventOutcome) => (typeof o === 'object' ? 1 : { done: 0, retry: 1, malformed: 2 }[o])
  if (typeof a === 'object' && typeof b === 'object') return a.deferSeconds >= b.deferSeconds ? a : b
  return rank(b) > rank(a) ? b : a
}

/**
 * A pool of SQS receive loops (design invariant 6): long polling, batch receive, each message's
 * visibility extended while it is being handled (a finalization can outlast the timeout), and a
 * graceful stop that lets in-flight messages finish. Malformed messages are left alone so the
 * redrive policy moves them to the DLQ; failures are left for the visibility timeout to retry.
 */
export class ChunkEventConsumer {
  readonly #sqs: SQSClient
  readonly #service: Pick<ChunkEventService, 'handle'>
  readonly #log: Logger
  readonly #options: ChunkEventConsumerOptions
  readonly #abort = new AbortController()
  #loops: Promise<void>[] = []
  #inFlight = 0
  /** Age of the oldest message of the latest receive (0 after an empty one), for the metric. */
  #oldestAgeSeconds = 0
  #depth: { at: number; visible: number; inFlight: number } | undefined

  constructor(
    sqs: SQSClient,
    service: Pick<ChunkEventService, 'handle'>,
    log: Logger,
    options: ChunkEventConsumerOptions,
  ) {
    this.#sqs = sqs
    this.#service = service
    this.#log = log.child({ component: 'chunk-consumer' })
    this.#options = options
  }

  get inFlight() {
    return this.#inFlight
  }

  start(): void {
    if (this.#loops.length > 0) return
    this.#observeQueue()
    this.#loops = Array.from({ length: this.#options.workers }, (_, i) => this.#loop(i))
  }

  /** Stops receiving and waits for messages already received to be handled. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await Promise.all(this.#loops)
    this.#loops = []
  }

  async #loop(worker: number): Promise<void> {
    let backoffMs = 200
    while (!this.#abort.signal.aborted) {
      let messages: Message[]
      try {
        // Untraced: an idle long poll is no trace. Each message's handling is traced in its upload's.
        const out = await untraced(() =>
          this.#sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: this.#options.queueUrl,
              MaxNumberOfMessages: this.#options.batchSize,
              WaitTimeSeconds: this.#options.waitSeconds,
              VisibilityTimeout: this.#options.visibilityTimeoutSeconds,
              MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
              MessageAttributeNames: ['All'],
            }),
            { abortSignal: this.#abort.signal },
          ),
        )
        messages = out.Messages ?? []
        this.#noteAges(messages)
        backoffMs = 200
      } catch (err) {
        if (this.#abort.signal.aborted) break
        this.#log.warn({ err, worker }, 'receive failed; backing off')
        await sleep(backoffMs, this.#abort.signal)
        backoffMs = Math.min(backoffMs * 2, 10_000)
        continue
      }
      await Promise.all(messages.map((m) => this.#handle(m, worker)))
    }
  }

  #noteAges(messages: Message[]): void {
    const now = Date.now()
    let oldest = 0
    for (const m of messages) {
      const sent = Number(m.Attributes?.SentTimestamp)
      if (Number.isFinite(sent)) oldest = Math.max(oldest, (now - sent) / 1000)
    }
    this.#oldestAgeSeconds = oldest
  }

  /** Queue depth (cached for 10 s, read untraced) and oldest message age as gauges. */
  #observeQueue(): void {
    observeGauge(
      'lfusys.queue.oldest_message_age',
      { unit: 's', description: 'Age of the oldest chunk-event message in the latest receive.' },
      (result) => result.observe(this.#oldestAgeSeconds),
    )
    observeGauge(
      'lfusys.queue.depth',
      { description: 'Chunk-event messages waiting (state=visible) or being handled (state=in_flight).' },
      async (result) => {
        if (!this.#depth || Date.now() - this.#depth.at > 10_000) {
          try {
            const out = await untraced(() =>
              this.#sqs.send(
                new GetQueueAttributesCommand({
                  QueueUrl: this.#options.queueUrl,
                  AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
                }),
              ),
            )
            this.#depth = {
              at: Date.now(),
              visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
              inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
            }
          } catch (err) {
            this.#log.warn({ err }, 'queue attributes unavailable for the depth metric')
            return
          }
        }
        result.observe(this.#depth.visible, { state: 'visible' })
        result.observe(this.#depth.inFlight, { state: 'in_flight' })
      },
    )
  }

  #handle(message: Message, worker: number): Promise<void> {
    // Traced in the trace of the message's upload, once its record is read (see ChunkEventService).
    return withMessageSpan('chunk-event process', (trace) => this.#handleTraced(message, worker, trace))
  }

  async #handleTraced(message: Message, worker: number, trace: MessageTrace): Promise<void> {
    this.#inFlight++
    const receipt = message.ReceiptHandle
    const visibility = this.#options.visibilityTimeoutSeconds
    // Extend well before the timeout runs out, so a long finalization keeps its message hidden.
    // The last extension is awaited before the message is settled: one still in flight could
    // otherwise land after a deferral and hide the message for a whole timeout again.
    let extending: Promise<unknown> = Promise.resolve()
    const heartbeat = setInterval(
      () => {
        extending = this.#setVisibility(receipt, visibility).catch((err: unknown) =>
          this.#log.warn({ err }, 'visibility extension failed'),
        )
      },
      Math.max(1000, (visibility * 1000) / 3),
    )
    try {
      const outcome = await this.#outcomeOf(message, trace)
      clearInterval(heartbeat)
      await extending
      await this.#settle(message, outcome, trace)
    } catch (err) {
      this.#log.error(
        { err, worker, messageId: message.MessageId },
        'chunk event failed; it will be redelivered',
      )
    } finally {
      clearInterval(heartbeat)
      this.#inFlight--
    }
  }

  async #outcomeOf(message: Message, trace: MessageTrace): Promise<EventOutcome> {
    const parsed = parseMessage(message.Body)
    switch (parsed.kind) {
      case 'malformed':
        this.#log.warn(
          {
            messageId: message.MessageId,
            reason: parsed.reason,
            receiveCount: message.Attributes?.ApproximateReceiveCount,
          },
          'malformed message left for the dead-letter queue',
        )
        return 'malformed'
      case 'test':
        return 'done'
      case 'events': {
        let outcome: EventOutcome = 'done'
        for (const event of parsed.events) outcome = worse(outcome, await this.#service.handle(event, trace))
        return outcome
      }
      default:
        return unreachable(parsed)
    }
  }

  /**
   * Every outcome settles the message in exactly one way. A deferral sends the message again with
   * the deferral as its delay and then deletes the one received (send first: at least once), so it
   * returns just after the holder's lease expires (a dead holder is replaced within the lease plus
   * about a second) with a fresh receive count: deferring a healthy event, however often, never
   * brings it closer to the dead-letter queue. Only when the send fails (or the deferral exceeds
   * SQS's 15-minute delay) is the message's visibility changed instead, which counts as a receive.
   */
  async #settle(message: Message, outcome: EventOutcome, trace: MessageTrace): Promise<void> {
    const settlement = typeof outcome === 'object' ? 'defer' : outcome
    switch (settlement) {
      case 'done':
        await trace.within(() => this.#delete(message))
        return
      case 'defer': {
        const seconds = typeof outcome === 'object' ? outcome.deferSeconds : 0
        const how = await trace.within(() => this.#defer(message, seconds))
        this.#log.info({ messageId: message.MessageId, deferSeconds: seconds, how }, 'chunk event deferred')
        return
      }
      case 'retry':
        // Left as it is: the visibility timeout brings it back.
        return
      case 'malformed':
        // Left as it is: after maxReceiveCount receives the redrive policy moves it to the DLQ.
        return
      default:
        unreachable(settlement)
    }
  }

  async #delete(message: Message): Promise<void> {
    if (!message.ReceiptHandle) return
    await this.#sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.#options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    )
  }

  /** Re-sends the message delayed by `seconds`, then deletes it; falls back to its visibility. */
  async #defer(message: Message, seconds: number): Promise<'resent' | 'visibility'> {
    const delay = Math.max(0, Math.ceil(seconds))
    if (message.Body !== undefined && delay <= MAX_DELAY_SECONDS) {
      let sent = false
      try {
        await this.#sqs.send(
          new SendMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MessageBody: message.Body,
            DelaySeconds: delay,
            ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
              ? { MessageAttributes: message.MessageAttributes }
              : {}),
          }),
        )
        sent = true
      } catch (err) {
        this.#log.warn({ err, messageId: message.MessageId }, 'deferred re-send failed; changing visibility')
      }
      if (sent) {
        // A failed delete leaves a duplicate, which handling tolerates (the received set is a set
        // and the lease admits one holder); the visibility timeout brings it back.
        await this.#delete(message)
        return 'resent'
      }
    }
    await this.#setVisibility(message.ReceiptHandle, delay)
    return 'visibility'
  }

  #setVisibility(receipt: string | undefined, seconds: number): Promise<unknown> {
    if (!receipt) return Promise.resolve()
    return this.#sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.#options.queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.ceil(seconds))),
      }),
    )
  }
}

/** SQS's longest DelaySeconds. */
const MAX_DELAY_SECONDS = 900

function unreachable(value: never): never {
  throw new Error(`unhandled consumer outcome ${JSON.stringify(value)}`)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
