/**
 * The S3 event notification format (version 2.1) as S3 delivers it to SQS. The devstack produces
 * it for emulators without notifications; the sessions consumer parses it.
 */
export interface S3ObjectCreatedRecord {
  eventVersion: string
  eventSource: 'aws:s3'
  awsRegion: string
  eventTime: string
  eventName: string
  s3: {
    s3SchemaVersion: '1.0'
    configurationId: string
    bucket: { name: string; arn: string }
    object: { key: string; size: number; eTag: string; sequencer: string }
  }
}

/** S3 URL-encodes keys in events, with spaces as '+'. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/')
}

export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '))
}

export function objectCreatedMessage(input: {
  region: string
  bucket: string
  key: string
  size: number
  eTag: string
  configurationId?: string
  eventTime?: Date
  sequencer?: string
}): string {
  const record: S3ObjectCreatedRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region,
    eventTime: (input.eventTime ?? new Date()).toISOString(),
    eventName: 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: input.configurationId ?? 'chunk-events',
      bucket: { name: input.bucket, arn: `arn:aws:s3:::${input.bucket}` },
      object: {
        key: encodeEventKey(input.key),
        size: input.size,
        eTag: input.eTag.replace(/"/g, ''),
        sequencer: input.sequencer ?? Date.now().toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  }
  return JSON.stringify({ Records: [record] })
}
