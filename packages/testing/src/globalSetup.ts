import { startStack } from '@lfusys/devstack'
import type { TestProject } from 'vitest/node'
import { cacheDir } from './paths.ts'
import type { SharedStack } from './sharedStack.ts'

/**
 * Starts the local AWS stack (fauxqs, DynamoDB Local, redis-server) once per test run, on free
 * ports, in memory. A failure to start fails the run with the reason: integration tests never skip.
 */
export default async function setup(project: TestProject) {
  const started = Date.now()
  const stack = await startStack({
    ports: { aws: 0, dynamodb: 0, redis: 0 },
    stateDir: undefined,
    cacheDir,
    log: (msg) => console.log(`[stack] ${msg}`),
  })
  const shared: SharedStack = {
    env: { LFUSYS_ENV: 'test', ...stack.env },
    endpoints: stack.endpoints,
    redisPid: stack.redis?.child.pid ?? 0,
  }
  project.provide('lfusysStack', shared)
  console.log(
    `[stack] up in ${Date.now() - started} ms: aws ${stack.endpoints.aws}, dynamodb ${stack.endpoints.dynamodb}, redis ${stack.endpoints.redisUrl}, mail ${stack.endpoints.mailWeb}`,
  )
  return async () => {
    await stack.stop()
  }
}
