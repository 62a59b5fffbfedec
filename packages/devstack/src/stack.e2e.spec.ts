import { randomBytes } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs'
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { decodeEventKey, isConditionalCheckFailed, isTransactionCanceled, provisionStack } from '@lfusys/aws'
import { provisionTestStack, sharedStack, type TestStack, waitFor } from '@lfusys/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let stack: TestStack

beforeAll(async () => {
  stack = await provisionTestStack('smoke')
})
afterAll(() => stack?.close())

async function receiveOne(queueUrl: string, waitSeconds = 5) {
  const out = await stack.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  )
  return out.Messages?.[0]
}

describe('local stack through @lfusys/aws', () => {
  it('provisioning is idempotent and reports what the emulator lacks', async () => {
    const again = await provisionStack(stack.clients, stack.resources)
    expect(again.queueUrl).toBe(stack.result.queueUrl)
    expect(again.deadLetterQueueUrl).toBe(stack.result.deadLetterQueueUrl)
    expect(again.lifecycleRule).toBe('configured')
    // fauxqs has no bucket notifications: the devstack forwarder stands in for them.
    expect(again.bucketNotifications).toBe('unsupported')
  })

  it('announces a chunk object on the queue in the S3 notification format, and nothing else', async () => {
    const body = randomBytes(1234)
    const key = `${stack.resources.chunkPrefix}upload one/0`
    await stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: stack.resources.bucket,
        Key: `${stack.resources.objectPrefix}not-a-chunk`,
        Body: body,
      }),
    )
    await stack.clients.s3.send(
      new PutObjectCommand({ Bucket: stack.resources.bucket, Key: key, Body: body }),
    )
    const message = await waitFor(() => receiveOne(stack.result.queueUrl, 1), { what: 'the chunk event' })
    const event = JSON.parse(message.Body ?? '{}')
    expect(event.Records).toHaveLength(1)
    const record = event.Records[0]
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: stack.resources.bucket }, object: { size: 1234 } },
    })
    expect(record.s3.object.key).toBe('chunks/upload+one/0')
    expect(decodeEventKey(record.s3.object.key)).toBe(key)
    expect(record.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/)
    await stack.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: stack.result.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    )
    // The object outside the chunk prefix produced no event.
    expect(await receiveOne(stack.result.queueUrl, 1)).toBeUndefined()
  })

  it('forwards every event of a burst of concurrent chunk writes, none dropped', async () => {
    const count = 300
    const keys = Array.from(
      { length: count },
      (_, i) => `${stack.resources.chunkPrefix}burst/${String(i).padStart(5, '0')}`,
    )
    // 48 writes in flight at a time: far more than the forwarder's own concurrency.
    for (let i = 0; i < keys.length; i += 48) {
      await Promise.all(
        keys
          .slice(i, i + 48)
          .map((Key) =>
            stack.clients.s3.send(
              new PutObjectCommand({ Bucket: stack.resources.bucket, Key, Body: randomBytes(64) }),
            ),
          ),
      )
    }
    const seen = new Set<string>()
    await waitFor(
      async () => {
        const out = await stack.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.result.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        )
        for (const m of out.Messages ?? []) {
          seen.add(decodeEventKey(JSON.parse(m.Body ?? '{}').Records[0].s3.object.key))
          await stack.clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: stack.result.queueUrl, ReceiptHandle: m.ReceiptHandle }),
          )
        }
        return seen.size >= count
      },
      { timeoutMs: 60_000, what: `${count} chunk events (seen ${seen.size})` },
    )
    expect([...seen].sort()).toEqual(keys)
  })

  it('moves a message that failed three times to the dead-letter queue', async () => {
    const key = `${stack.resources.chunkPrefix}poison/0`
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.resources.bucket, Key: key, Body: 'x' }))
    for (let attempt = 1; attempt <= stack.resources.maxReceiveCount; attempt++) {
      const message = await waitFor(() => receiveOne(stack.result.queueUrl, 1), {
        what: `receive ${attempt}`,
      })
      expect(message.Attributes?.ApproximateReceiveCount).toBe(String(attempt))
      // A consumer that fails leaves the message; make it visible again at once instead of waiting.
      await stack.clients.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: stack.result.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      )
    }
    expect(await receiveOne(stack.result.queueUrl, 1)).toBeUndefined()
    const dead = await waitFor(() => receiveOne(stack.result.deadLetterQueueUrl, 1), {
      what: 'the DLQ message',
    })
    expect(JSON.parse(dead.Body ?? '{}').Records[0].s3.object.key).toBe(key)
    const attrs = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.result.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    )
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount).toBe(3)
  })

  it('applies conditional writes as AWS does', async () => {
    const table = stack.resources.tables.uploads.name
    const item = { pk: 'UPLOAD#1', sk: 'SESSION', status: 'uploading', total: 2 }
    await stack.clients.documents.send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    )
    const again = stack.clients.documents.send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    )
    await expect(again).rejects.toSatisfy(isConditionalCheckFailed)

    const add = (chunk: number) =>
      stack.clients.documents.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: 'UPLOAD#1', sk: 'SESSION' },
          UpdateExpression: 'ADD received :c',
          ExpressionAttributeValues: { ':c': new Set([chunk]) },
          ReturnValues: 'ALL_NEW',
        }),
      )
    await add(0)
    await add(0)
    const after = await add(1)
    expect([...((after.Attributes?.received as Set<number> | undefined) ?? [])].sort()).toEqual([0, 1])

    const claim = () =>
      stack.clients.documents.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: 'UPLOAD#1', sk: 'SESSION' },
          UpdateExpression: 'SET #s = :finalizing',
          ConditionExpression: 'size(received) = #t AND #s = :uploading',
          ExpressionAttributeNames: { '#s': 'status', '#t': 'total' },
          ExpressionAttributeValues: { ':finalizing': 'finalizing', ':uploading': 'uploading' },
        }),
      )
    const results = await Promise.allSettled([claim(), claim(), claim()])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results)
      if (r.status === 'rejected') expect(isConditionalCheckFailed(r.reason)).toBe(true)
  })

  it('commits and cancels TransactWriteItems as AWS does', async () => {
    const files = stack.resources.tables.files.name
    const write = (fileId: string) =>
      stack.clients.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: files,
                Item: { pk: `FILE#${fileId}`, sk: 'FILE' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: files,
                Key: { pk: 'OBJECT#abc', sk: 'OBJECT' },
                UpdateExpression: 'ADD refs :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      )
    await write('a')
    await write('b')
    const failed = await write('a').catch((err: unknown) => err)
    expect(isTransactionCanceled(failed)).toBe(true)
    const reasons = (failed as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.map(
      (r) => r.Code,
    )
    expect(reasons).toEqual(['ConditionalCheckFailed', 'None'])
    const refs = await stack.clients.documents.send(
      new UpdateCommand({
        TableName: files,
        Key: { pk: 'OBJECT#abc', sk: 'OBJECT' },
        UpdateExpression: 'ADD refs :zero',
        ExpressionAttributeValues: { ':zero': 0 },
        ReturnValues: 'ALL_NEW',
      }),
    )
    // The cancelled transaction did not increment the reference count.
    expect(refs.Attributes?.refs).toBe(2)
  })

  it('has a Redis that answers', async () => {
    const redis = new Redis(sharedStack().endpoints.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    try {
      expect(await redis.ping()).toBe('PONG')
      await redis.set('smoke', 'ok', 'EX', 10)
      expect(await redis.get('smoke')).toBe('ok')
    } finally {
      redis.disconnect()
    }
  })
})
