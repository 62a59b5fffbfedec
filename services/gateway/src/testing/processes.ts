import { freePort, type ManagedProcess, startRedis } from '@lfusys/devstack'
import { type RunningSystem as Services, startSystem as startServices, type TestStack } from '@lfusys/testing'
import { TEST_TOKEN_KEYS } from './harness.ts'

export const UPLOAD_TOKEN_KEYS = 'up1:upload-token-secret-for-gateway-e2e-tests'

export interface RunningSystem extends Services {
  redisUrl: string
  redis: ManagedProcess
}

/**
 * The real system as processes with its own redis-server (so a test may stop it), started by the
 * shared helper of @lfusys/testing.
 */
export async function startSystem(
  stack: TestStack,
  gatewayEnv: Record<string, string> = {},
  sessionsEnv: Record<string, string> = {},
): Promise<RunningSystem> {
  const redisPort = await freePort()
  const redis = await startRedis({ port: redisPort, dataDir: undefined })
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  try {
    const services = await startServices(stack, {
      env: { REDIS_URL: redisUrl, WEB_ORIGIN: 'http://web.test' },
      services: { gateway: gatewayEnv, sessions: sessionsEnv },
      uploadTokenKeys: UPLOAD_TOKEN_KEYS,
      authTokenKeys: TEST_TOKEN_KEYS,
      // Three Node processes start at once; on a loaded two-core machine that takes a while.
      readyTimeoutMs: 90_000,
    })
    return {
      ...services,
      redisUrl,
      redis,
      async stop() {
        await services.stop()
        await redis.stop()
      },
    }
  } catch (err) {
    await redis.stop()
    throw err
  }
}
