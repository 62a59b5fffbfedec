import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { objectCreatedMessage } from '@lfusys/aws'
import { chunkKey } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'

export interface FinalizationWatchOptions {
  queueUrl: string
  region: string
  bucket: string
  chunkPrefix: string
  /** The finalization lease; the watch comes back just after it. */
  leaseSeconds: number
}

/** SQS's longest DelaySeconds. */
const MAX_DELAY_SECONDS = 900

/**
 * A finalization started outside the queue (by the completion call or the sweeper) has no message
 * in flight to take it over if its process dies, and when every chunk event was lost no delivery
 * will come. The watch is that delivery: the event of the upload's first chunk, sent to the chunk
 * queue delayed until just after the lease. Handled like any event of a finalizing upload, it takes
 * over an expired lease or is deferred to just after a live holder's lease (so it keeps watching
 * until the upload ends), and is acknowledged once the upload has ended. A dead holder is thus
 * replaced within the lease plus about a second, with no client or event needed.
 */
export class FinalizationWatch {
  readonly #sqs: SQSClient
  readonly #options: FinalizationWatchOptions
  readonly #log: Logger

  constructor(sqs: SQSClient, log: Logger, options: FinalizationWatchOptions) {
    this.#sqs = sqs
    this.#log = log.child({ component: 'finalization-watch' })
    this.#options = options
  }

  /** Sends the watch; a failure is logged (the engine's repeated completion call still recovers). */
  async watch(uploadId: string): Promise<void> {
    const { queueUrl, region, bucket, chunkPrefix, leaseSeconds } = this.#options
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil(leaseSeconds) + 1),
          MessageBody: objectCreatedMessage({
            region,
            bucket,
            key: chunkKey(chunkPrefix, uploadId, 0),
            size: 0,
            eTag: '',
            configurationId: 'finalization-watch',
          }),
        }),
      )
    } catch (err) {
      this.#log.warn({ err, uploadId }, 'finalization watch not sent')
    }
  }
}
