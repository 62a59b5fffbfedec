import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import { httpStatusOf, isAwsError } from './errors.ts'
import type { StackResources, TableSpec } from './resources.ts'

export interface ProvisionClients {
  s3: S3Client
  sqs: SQSClient
  dynamodb: DynamoDBClient
}

export interface ProvisionResult {
  queueUrl: string
  queueArn: string
  deadLetterQueueUrl: string
  /**
   * Whether the store accepted the bucket notification. The local emulator does not implement it;
   * the devstack then forwards chunk events itself.
   */
  bucketNotifications: 'configured' | 'unsupported'
  lifecycleRule: 'configured' | 'unsupported'
}

function unsupported(err: unknown): boolean {
  const status = httpStatusOf(err)
  return isAwsError(err, 'NotImplemented', 'MethodNotAllowed') || status === 501 || status === 405
}

async function ensureBucket(s3: S3Client, resources: StackResources, queueArn: string) {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: resources.bucket }))
  } catch (err) {
    if (!isAwsError(err, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw err
  }
  let lifecycleRule: ProvisionResult['lifecycleRule'] = 'configured'
  try {
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: resources.bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'expire-abandoned-chunks',
              Status: 'Enabled',
              Filter: { Prefix: resources.chunkPrefix },
              Expiration: { Days: resources.chunkLifecycleDays },
            },
            {
              // A staged chunk lives seconds; one left by a crash is garbage after a day.
              ID: 'expire-staged-chunks',
              Status: 'Enabled',
              Filter: { Prefix: resources.stagingPrefix },
              Expiration: { Days: 1 },
            },
            {
              ID: 'abort-incomplete-multipart',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    )
  } catch (err) {
    if (!unsupported(err)) throw err
    lifecycleRule = 'unsupported'
  }
  let bucketNotifications: ProvisionResult['bucketNotifications'] = 'configured'
  try {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: resources.bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'chunk-events',
              QueueArn: queueArn,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: resources.chunkPrefix }] } },
            },
          ],
        },
      }),
    )
    // Read it back: an emulator may route the call elsewhere and still answer 200 (fauxqs 2.4.1
    // treats PUT ?notification as CreateBucket), and a silent "configured" would lose every event.
    const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: resources.bucket }))
    const ours = current.QueueConfigurations?.some((q) => q.QueueArn === queueArn)
    if (!ours) bucketNotifications = 'unsupported'
  } catch (err) {
    if (!unsupported(err)) throw err
    bucketNotifications = 'unsupported'
  }
  return { lifecycleRule, bucketNotifications }
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  )
  const arn = attrs.Attributes?.QueueArn
  if (!arn) throw new Error(`queue ${queueUrl} has no QueueArn attribute`)
  return arn
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
    if (!created.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`)
    return created.QueueUrl
  } catch (err) {
    // An existing queue with other attributes: converge it instead of failing.
    if (!isAwsError(err, 'QueueAlreadyExists', 'QueueNameExists')) throw err
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }))
    if (!QueueUrl) throw new Error(`queue ${name} exists but has no URL`)
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }))
    return QueueUrl
  }
}

async function ensureTable(dynamodb: DynamoDBClient, spec: TableSpec) {
  const attributes = new Set<string>([spec.partitionKey, spec.sortKey])
  for (const index of spec.indexes) {
    attributes.add(index.partitionKey)
    attributes.add(index.sortKey)
  }
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: spec.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: spec.partitionKey, KeyType: 'HASH' },
          { AttributeName: spec.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: spec.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    )
  } catch (err) {
    if (!isAwsError(err, 'ResourceInUseException')) throw err
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: spec.name })
  if (spec.ttlAttribute) {
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: spec.name }))
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: spec.name,
          TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
        }),
      )
    }
  }
  const described = await dynamodb.send(new DescribeTableCommand({ TableName: spec.name }))
  return described.Table?.TableArn
}

/**
 * Creates or converges every resource of a stack. Idempotent: run it at every start. The same code
 * provisions the local emulators, LocalStack (compose) and, for ad-hoc environments, AWS itself;
 * Terraform declares the same names for managed environments.
 */
export async function provisionStack(
  clients: ProvisionClients,
  resources: StackResources,
): Promise<ProvisionResult> {
  const deadLetterQueueUrl = await ensureQueue(clients.sqs, resources.chunkEventsDeadLetterQueue, {
    MessageRetentionPeriod: String(14 * 24 * 3600),
  })
  const deadLetterArn = await queueArnOf(clients.sqs, deadLetterQueueUrl)
  const queueUrl = await ensureQueue(clients.sqs, resources.chunkEventsQueue, {
    VisibilityTimeout: String(resources.visibilityTimeoutSeconds),
    ReceiveMessageWaitTimeSeconds: '20',
    MessageRetentionPeriod: String(4 * 24 * 3600),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterArn,
      maxReceiveCount: resources.maxReceiveCount,
    }),
  })
  const queueArn = await queueArnOf(clients.sqs, queueUrl)
  const bucket = await ensureBucket(clients.s3, resources, queueArn)
  await Promise.all(Object.values(resources.tables).map((spec) => ensureTable(clients.dynamodb, spec)))
  return { queueUrl, queueArn, deadLetterQueueUrl, ...bucket }
}
