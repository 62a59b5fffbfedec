export { DYNAMODB_LOCAL_PACKAGE, ensureDynamoDbLocal } from './dynamodbLocal.ts'
export { type MailCatcherOptions, type RunningMailCatcher, startMailCatcher } from './mailCatcher.ts'
export { freePort, type ManagedProcess, portInUse, spawnManaged, waitUntilReady } from './processes.ts'
export { redisPing, startRedis } from './redis.ts'
export { type NotificationRule, S3EventForwarder } from './s3EventForwarder.ts'
export {
  defaultPorts,
  EMULATOR_CREDENTIALS,
  type ProvisionedStack,
  type RunningStack,
  type StackEndpoints,
  type StackOptions,
  type StackPorts,
  startStack,
} from './startStack.ts'
