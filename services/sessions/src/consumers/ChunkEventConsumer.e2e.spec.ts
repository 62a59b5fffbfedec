import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import { objectCreatedMessage } from '@lfusys/aws'
import { createLogger } from '@lfusys/logger'
import { provisionTestStack, type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChunkEvent, EventOutcome } from '../uploads/ChunkEventService.ts'
import { ChunkEventConsumer } from './ChunkEventConsumer.ts'

let stack: TestStack

beforeAll(async () => {
  stack = await provisionTestStack('consumer')
})
afterAll(() => stack?.close())

/** Counts ChangeMessageVisibility calls on the way to the real client. */
function countingSqs(sqs: SQSClient) {
  const counts = { visibility: 0 }
  const send = sqs.send.bind(sqs)
  const proxy = new Proxy(sqs, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return (command: { constructor: { name: string } }, options?: unknown) => {
          if (command.constructor.name === 'ChangeMessageVisibilityCommand') counts.visibility++
          return (send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options)
        }
      }
      return Reflect.get(target, prop, receiver)
    },
  })
  return { sqs: proxy, counts }
}

describe('ChunkEventConsumer against SQS', () => {
  it('keeps a long-running message hidden past its visibility timeout and stops gracefully', async () => {
    const { sqs, counts } = countingSqs(stack.clients.sqs)
    const handled: ChunkEvent[] = []
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const service = {
      async handle(event: ChunkEvent): Promise<EventOutcome> {
        handled.push(event)
        await released
        return 'done'
      },
    }
    const consumer = new ChunkEventConsumer(
      sqs,
      service,
      createLogger({ service: 'test', level: 'silent' }),
      {
        queueUrl: stack.result.queueUrl,
        workers: 3,
        batchSize: 10,
        waitSeconds: 1,
        visibilityTimeoutSeconds: 5,
      },
    )
    consumer.start()
    await stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.result.queueUrl,
        MessageBody: objectCreatedMessage({
          region: 'us-east-1',
          bucket: stack.resources.bucket,
          key: 'chunks/x/00000',
          size: 1,
          eTag: 'e',
        }),
      }),
    )
    await waitFor(() => handled.length === 1, { what: 'the message to be handled' })
    // Four extensions span more than the 5 s timeout: without them the message would reappear and
    // another worker would handle it a second time.
    await waitFor(() => counts.visibility >= 4, {
      what: 'visibility extensions',
      timeoutMs: 15_000,
      intervalMs: 200,
    })
    expect(handled).toHaveLength(1)
    let stopped = false
    const stopping = consumer.stop().then(() => {
      stopped = true
    })
    // stop() waits for the message in hand.
    await new Promise((r) => setImmediate(r))
    expect(stopped).toBe(false)
    expect(consumer.inFlight).toBe(1)
    release()
    await stopping
    expect(handled).toHaveLength(1)
    const attrs = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.result.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    )
    expect(attrs.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    })
  }, 30_000)
})

describe('ChunkEventConsumer settlement', () => {
  it("a deferral shortens the message's visibility to the deferral instead of a whole timeout", async () => {
    const received: number[] = []
    const service = {
      async handle(): Promise<EventOutcome> {
        received.push(Date.now())
        // First delivery: another worker's lease is aging; come back in one second.
        return received.length === 1 ? { deferSeconds: 1 } : 'done'
      },
    }
    const consumer = new ChunkEventConsumer(
      stack.clients.sqs,
      service,
      createLogger({ service: 'test', level: 'silent' }),
      {
        queueUrl: stack.result.queueUrl,
        workers: 1,
        batchSize: 1,
        waitSeconds: 1,
        // Far longer than the test waits: only the deferral can bring the message back in time.
        visibilityTimeoutSeconds: 60,
      },
    )
    consumer.start()
    try {
      await stack.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.result.queueUrl,
          MessageBody: objectCreatedMessage({
            region: 'us-east-1',
            bucket: stack.resources.bucket,
            key: 'chunks/y/00000',
            size: 1,
            eTag: 'e',
          }),
        }),
      )
      await waitFor(() => received.length >= 2, {
        what: 'the deferred message to come back',
        timeoutMs: 15_000,
        intervalMs: 100,
      })
      const gap = (received[1] ?? 0) - (received[0] ?? 0)
      expect(gap).toBeGreaterThanOrEqual(900)
      // 'done' deletes it: nothing is left, visible or in flight.
      await waitFor(
        async () => {
          const attrs = await stack.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: stack.result.queueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          )
          return (
            attrs.Attributes?.ApproximateNumberOfMessages === '0' &&
            attrs.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
          )
        },
        { what: 'the message to be deleted', timeoutMs: 10_000 },
      )
      expect(received).toHaveLength(2)
    } finally {
      await consumer.stop()
    }
  }, 30_000)

  it('a healthy event deferred more often than maxReceiveCount never reaches the dead-letter queue', async () => {
    // A queue of its own with the provisioned redrive policy: a long poll that an earlier test's
    // stopped consumer left open on the shared queue could take the message for its timeout.
    const { maxReceiveCount } = stack.resources
    const dlqArn = (
      await stack.clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.result.deadLetterQueueUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn
    const { QueueUrl: queueUrl = '' } = await stack.clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `${stack.resources.chunkEventsQueue}-deferrals`,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
        },
      }),
    )
    const deferrals = maxReceiveCount + 2
    const key = `chunks/dlq-${Date.now()}/00000`
    let handled = 0
    let done = false
    const service = {
      async handle(event: ChunkEvent): Promise<EventOutcome> {
        if (event.key !== key) return 'done'
        handled++
        // Each delivery meets another worker's lease, until the last one finishes it.
        if (handled <= deferrals) return { deferSeconds: 1 }
        done = true
        return 'done'
      },
    }
    const consumer = new ChunkEventConsumer(
      stack.clients.sqs,
      service,
      createLogger({ service: 'test', level: 'silent' }),
      {
        queueUrl,
        workers: 1,
        batchSize: 1,
        waitSeconds: 1,
        visibilityTimeoutSeconds: 60,
      },
    )
    consumer.start()
    try {
      await stack.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: objectCreatedMessage({
            region: 'us-east-1',
            bucket: stack.resources.bucket,
            key,
            size: 1,
            eTag: 'e',
          }),
        }),
      )
      // A deferral that counted as a receive would move the message to the DLQ after
      // maxReceiveCount deliveries, and it would never be handled to the end.
      await waitFor(() => done, {
        what: `the event to be handled after ${deferrals} deferrals`,
        timeoutMs: 30_000,
        intervalMs: 100,
      })
      expect(handled).toBe(deferrals + 1)
    } finally {
      await consumer.stop()
    }
    const dead = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.result.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 0,
      }),
    )
    expect((dead.Messages ?? []).filter((m) => m.Body?.includes(key))).toEqual([])
  }, 60_000)
})
