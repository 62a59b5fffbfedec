#!/usr/bin/env node
/**
 * Provisions a stack's resources against whatever the AWS_* variables point at (LocalStack in
 * docker-compose, or an ad-hoc AWS account): `node packages/aws/src/provisionCli.ts --stack NAME`.
 * Prints the service variables (names and queue URL) as an env file on stdout.
 */
import { parseArgs } from 'node:util'
import { createAwsClients } from './clients.ts'
import { provisionStack } from './provision.ts'
import { resourceEnv, stackResources } from './resources.ts'

const { values } = parseArgs({ options: { stack: { type: 'string', default: 'lfusys-dev' } } })
const env = process.env
const clients = createAwsClients({
  AWS_REGION: env.AWS_REGION ?? 'us-east-1',
  AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3,
  AWS_ENDPOINT_URL_SQS: env.AWS_ENDPOINT_URL_SQS,
  AWS_ENDPOINT_URL_DYNAMODB: env.AWS_ENDPOINT_URL_DYNAMODB,
  AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
  AWS_MAX_ATTEMPTS: 5,
})
try {
  const resources = stackResources(values.stack ?? 'lfusys-dev')
  const result = await provisionStack(clients, resources)
  if (result.bucketNotifications !== 'configured') {
    console.error(
      'warning: the store did not accept the bucket notification; chunk events will not reach the queue',
    )
  }
  for (const [k, v] of Object.entries(resourceEnv(resources, result.queueUrl))) console.log(`${k}=${v}`)
} catch (err) {
  console.error(`provisioning failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
} finally {
  clients.close()
}
