import type { TestStack } from '@lfusys/testing'
import { afterAll, beforeAll } from 'vitest'
import {
  addressSequence,
  type GatewayHarness,
  gatewayTestEnv,
  provisionGatewayStack,
  registerAccount,
  startGateway,
  uniqueEmail,
} from './harness.ts'

export interface AuthGatewaySuite {
  readonly stack: TestStack
  readonly gw: GatewayHarness
  /** Listed in ADMIN_EMAILS (in other case and spacing). */
  readonly admin: string
  /** A new client address per call, so the per-IP auth limit only bites where a test wants it. */
  freshIp(): string
  /** Registers a fresh account (named Ada) from a fresh address. */
  registered(email?: string): ReturnType<typeof registerAccount>
}

/**
 * The in-process gateway of the auth spec files, on its own stack with tight auth limits (8 per
 * address, 4 per account): started before the file's tests and closed after them.
 */
export function authGatewaySuite(label: string): AuthGatewaySuite {
  let stack: TestStack | undefined
  let gw: GatewayHarness | undefined
  const admin = uniqueEmail('admin')
  const freshIp = addressSequence('10.0.0.')
  beforeAll(async () => {
    stack = await provisionGatewayStack(label)
    gw = await startGateway(
      gatewayTestEnv(stack, {
        ADMIN_EMAILS: `  ${admin.toUpperCase()} `,
        RATE_LIMIT_AUTH_IP_MAX: '8',
        RATE_LIMIT_AUTH_ACCOUNT_MAX: '4',
      }),
    )
  })
  afterAll(async () => {
    await gw?.close()
    stack?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the auth gateway is not started yet')
    return value
  }
  return {
    get stack() {
      return started(stack)
    },
    get gw() {
      return started(gw)
    },
    admin,
    freshIp,
    registered: (email) =>
      registerAccount(started(gw).app, {
        remoteAddress: freshIp(),
        name: 'Ada',
        ...(email === undefined ? {} : { email }),
      }),
  }
}
