export {
  type AwsClientConfig,
  type AwsClientOptions,
  type AwsClients,
  createAwsClients,
  createDynamoClient,
  createS3Client,
  createSqsClient,
} from './clients.ts'
export {
  awsErrorName,
  cancellationReasons,
  httpStatusOf,
  isAwsError,
  isConditionalCheckFailed,
  isS3NotFound,
  isTransactionCanceled,
  isTransientAwsError,
} from './errors.ts'
export { withKnownPayloadHash } from './payloadHash.ts'
export { type ProvisionClients, type ProvisionResult, provisionStack } from './provision.ts'
export { resourceEnv, type StackResources, stackResources, type TableSpec } from './resources.ts'
export {
  decodeEventKey,
  encodeEventKey,
  objectCreatedMessage,
  type S3ObjectCreatedRecord,
} from './s3Events.ts'
