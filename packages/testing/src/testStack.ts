import { randomBytes } from 'node:crypto'
import {
  type AwsClients,
  createAwsClients,
  type ProvisionResult,
  provisionStack,
  resourceEnv,
  type StackResources,
  stackResources,
} from '@lfusys/aws'
import { sharedStack } from './sharedStack.ts'

export interface TestStack {
  resources: StackResources
  result: ProvisionResult
  /** Every variable a service needs: emulator endpoints, credentials, resource names, REDIS_URL. */
  env: Record<string, string>
  clients: AwsClients
  close(): void
}

/**
 * Provisions a stack of resources with a unique name for one test file, so files run in parallel
 * without sharing a bucket, queue or table.
 */
export async function provisionTestStack(label: string): Promise<TestStack> {
  const base = sharedStack()
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 20) || 't'
  const name = `t-${slug}-${randomBytes(4).toString('hex')}`
  const resources = stackResources(name)
  const clients = createAwsClients({ ...base.env, AWS_REGION: base.env.AWS_REGION ?? 'us-east-1' })
  const result = await provisionStack(clients, resources)
  return {
    resources,
    result,
    env: { LFUSYS_ENV: 'test', ...base.env, ...resourceEnv(resources, result.queueUrl) },
    clients,
    close: () => clients.close(),
  }
}
