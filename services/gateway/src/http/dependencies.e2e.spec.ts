import { createServer, type Server, type Socket } from 'node:net'
import { freePort } from '@lfusys/devstack'
import type { TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  GOOD_PASSWORD,
  gatewayTestEnv,
  provisionGatewayStack,
  startGateway,
  uniqueEmail,
} from '../testing/harness.ts'

let stack: TestStack
let stalled: Server
const held: Socket[] = []

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-deps')
  // Accepts connections and never answers: a DynamoDB that hangs.
  stalled = createServer((socket) => void held.push(socket))
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve))
})
afterAll(async () => {
  for (const socket of held) socket.destroy()
  await new Promise((resolve) => stalled?.close(resolve))
  stack?.close()
})

async function loginAgainst(dynamodbUrl: string) {
  const gw = await startGateway(gatewayTestEnv(stack, { AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl }))
  try {
    const res = await new Browser(gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email: uniqueEmail(), password: GOOD_PASSWORD },
    })
    return res
  } finally {
    await gw.close()
  }
}

describe('the account store down', () => {
  it('refusing connections: login answers 503 with Retry-After, not 500', async () => {
    const res = await loginAgainst(`http://127.0.0.1:${await freePort()}`)
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('2')
    expect(res.json()).toEqual({
      error: { code: 'UNAVAILABLE', message: 'the account store is unavailable' },
    })
  })

  it('stalled: login answers 503 within the request deadline instead of hanging', async () => {
    const { port } = stalled.address() as { port: number }
    const res = await loginAgainst(`http://127.0.0.1:${port}`)
    expect(res.statusCode).toBe(503)
    expect(res.json().error.code).toBe('UNAVAILABLE')
  })
})
