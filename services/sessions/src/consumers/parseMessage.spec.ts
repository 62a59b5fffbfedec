import { objectCreatedMessage } from '@lfusys/aws'
import { describe, expect, it } from 'vitest'
import { parseMessage } from './ChunkEventConsumer.ts'

describe('parseMessage', () => {
  it('reads the S3 notification format and decodes the key', () => {
    const body = objectCreatedMessage({
      region: 'us-east-1',
      bucket: 'b-data',
      key: 'chunks/a b/00001',
      size: 5,
      eTag: 'x',
    })
    const eventTime = Date.parse(JSON.parse(body).Records[0].eventTime)
    expect(eventTime).toBeGreaterThan(0)
    expect(parseMessage(body)).toEqual({
      kind: 'events',
      events: [{ bucket: 'b-data', key: 'chunks/a b/00001', size: 5, eventTime }],
    })
  })

  it('recognises the S3 test event', () => {
    expect(parseMessage('{"Service":"Amazon S3","Event":"s3:TestEvent"}')).toEqual({ kind: 'test' })
  })

  it('calls anything else malformed, with a reason', () => {
    expect(parseMessage('not json')).toEqual({ kind: 'malformed', reason: 'body is not JSON' })
    expect(parseMessage(undefined)).toMatchObject({ kind: 'malformed' })
    expect(parseMessage('{"Records":[]}')).toMatchObject({ kind: 'malformed' })
    expect(
      parseMessage(
        JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: {} }] }),
      ),
    ).toMatchObject({ kind: 'malformed' })
    const badKey = JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: '%E0%A4%A' } },
        },
      ],
    })
    expect(parseMessage(badKey)).toEqual({ kind: 'malformed', reason: 'object key is not URL-encoded' })
  })
})
