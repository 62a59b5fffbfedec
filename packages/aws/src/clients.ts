import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'

export interface AwsClientConfig {
  AWS_REGION: string
  AWS_ENDPOINT_URL_S3?: string | undefined
  AWS_ENDPOINT_URL_SQS?: string | undefined
  AWS_ENDPOINT_URL_DYNAMODB?: string | undefined
  AWS_ACCESS_KEY_ID?: string | undefined
  AWS_SECRET_ACCESS_KEY?: string | undefined
  AWS_MAX_ATTEMPTS?: number | undefined
}

export interface AwsClients {
  s3: S3Client
  sqs: SQSClient
  dynamodb: DynamoDBClient
  /** Document client over `dynamodb`: plain JS values in and out. */
  documents: DynamoDBDocumentClient
  close(): void
}

export interface AwsClientOptions {
  /** Sockets per client; S3 needs many for parallel chunk and part traffic. */
  maxSockets?: number
  /** Per-request timeout in ms (socket idle), so a hung emulator or endpoint fails instead of hanging. */
  requestTimeoutMs?: number
  /**
   * The same for DynamoDB in `createAwsClients`: its requests are small, so a few seconds without a
   * byte means a stalled table (S3 and SQS keep `requestTimeoutMs`: big bodies, long polls).
   */
  dynamodbRequestTimeoutMs?: number
}

function common(config: AwsClientConfig, options: AwsClientOptions) {
  const maxSockets = options.maxSockets ?? 64
  const credentials =
    config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }
      : undefined
  return {
    region: config.AWS_REGION,
    maxAttempts: config.AWS_MAX_ATTEMPTS ?? 3,
    retryMode: 'standard',
    ...(credentials ? { credentials } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      requestTimeout: options.requestTimeoutMs ?? 120_000,
      // Without it the handler only logs a warning when the timeout passes and the request hangs on.
      throwOnRequestTimeout: true,
      connectionTimeout: 5_000,
    }),
  } as const
}

export function createS3Client(config: AwsClientConfig, options: AwsClientOptions = {}): S3Client {
  return new S3Client({
    ...common(config, options),
    ...(config.AWS_ENDPOINT_URL_S3 ? { endpoint: config.AWS_ENDPOINT_URL_S3 } : {}),
    // Emulators answer on localhost, where virtual-hosted buckets would resolve to bucket.localhost.
    forcePathStyle: config.AWS_ENDPOINT_URL_S3 !== undefined,
    // We pass ChecksumSHA256 ourselves where the digest is known; the SDK's default CRC32 over every
    // body costs CPU and throughput for nothing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

export function createSqsClient(config: AwsClientConfig, options: AwsClientOptions = {}): SQSClient {
  return new SQSClient({
    ...common(config, options),
    ...(config.AWS_ENDPOINT_URL_SQS
      ? {
          endpoint: config.AWS_ENDPOINT_URL_SQS,
          // Emulators hand out queue URLs on hosts like sqs.us-east-1.localhost that do not resolve;
          // with an override, send to the endpoint and let the URL only name the queue.
          useQueueUrlAsEndpoint: false,
        }
      : {}),
  })
}

export function createDynamoClient(config: AwsClientConfig, options: AwsClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...common(config, options),
    ...(config.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: config.AWS_ENDPOINT_URL_DYNAMODB } : {}),
  })
}

export function createAwsClients(config: AwsClientConfig, options: AwsClientOptions = {}): AwsClients {
  const s3 = createS3Client(config, options)
  const sqs = createSqsClient(config, options)
  const dynamodb = createDynamoClient(config, {
    ...options,
    requestTimeoutMs: options.dynamodbRequestTimeoutMs ?? 5_000,
  })
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  })
  return {
    s3,
    sqs,
    dynamodb,
    documents,
    close() {
      s3.destroy()
      sqs.destroy()
      documents.destroy()
      dynamodb.destroy()
    },
  }
}
