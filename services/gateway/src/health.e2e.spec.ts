import {
  provisionTestStack,
  type RunningSystem,
  startSystem,
  TcpProxy,
  type TestStack,
  waitFor,
} from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_TOKEN_KEYS } from './testing/harness.ts'

let stack: TestStack
let system: RunningSystem
// S3 and SQS (one emulator) as the sessions service sees them: the test cuts and restores it.
let awsForSessions: TcpProxy

beforeAll(async () => {
  stack = await provisionTestStack('gw-health')
  const aws = stack.env.AWS_ENDPOINT_URL_S3 ?? ''
  awsForSessions = new TcpProxy(aws)
  const proxied = await awsForSessions.start()
  const queueUrl = new URL(stack.env.SQS_CHUNK_EVENTS_QUEUE_URL ?? '')
  queueUrl.port = String(awsForSessions.port)
  system = await startSystem(stack, {
    env: { WEB_ORIGIN: 'http://web.test' },
    services: {
      sessions: {
        AWS_ENDPOINT_URL_S3: proxied,
        AWS_ENDPOINT_URL_SQS: proxied,
        SQS_CHUNK_EVENTS_QUEUE_URL: queueUrl.toString(),
        // A stopped dependency must surface at once, not after the SDK's retries.
        AWS_MAX_ATTEMPTS: '1',
      },
    },
    uploadTokenKeys: 'hl1:upload-token-secret-for-health-e2e-tests',
    authTokenKeys: TEST_TOKEN_KEYS,
  })
}, 120_000)

afterAll(async () => {
  await system?.stop()
  await awsForSessions?.stop()
  stack?.close()
})

async function ready() {
  const res = await fetch(`${system.gatewayUrl}/health/ready`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('/health/ready tells the truth about the sessions service', () => {
  it("reports sessions' DynamoDB, S3 and SQS, and is not ready while S3 and SQS are down", async () => {
    const up = await waitFor(
      async () => {
        const r = await ready()
        const deps = (r.body.checks as { sessions?: { dependencies?: Record<string, string> } }).sessions
          ?.dependencies
        return deps?.s3 === 'up' && deps.sqs === 'up' && deps.dynamodb === 'up' ? r : undefined
      },
      { what: 'every sessions dependency to be probed up', timeoutMs: 20_000 },
    )
    expect(up.status).toBe(200)
    expect(up.body).toMatchObject({
      status: 'ok',
      checks: { sessions: { status: 'up', dependencies: { dynamodb: 'up', s3: 'up', sqs: 'up' } } },
    })

    await awsForSessions.stop()
    const down = await waitFor(
      async () => {
        const r = await ready()
        return r.status === 503 ? r : undefined
      },
      { what: 'readiness to report the stopped S3 and SQS', timeoutMs: 30_000, intervalMs: 250 },
    )
    expect(down.body).toMatchObject({
      status: 'down',
      checks: {
        dynamodb: { status: 'up' },
        sessions: {
          status: 'down',
          required: true,
          error: 'dependency_down',
          dependencies: { dynamodb: 'up', s3: 'down', sqs: 'down' },
        },
      },
    })
    // Nothing internal leaks: no address of the stopped dependency.
    expect(JSON.stringify(down.body)).not.toContain('127.0.0.1')

    await awsForSessions.start()
    const back = await waitFor(
      async () => {
        const r = await ready()
        return r.status === 200 ? r : undefined
      },
      { what: 'readiness to recover', timeoutMs: 30_000, intervalMs: 250 },
    )
    expect(back.body).toMatchObject({ status: 'ok' })
  }, 120_000)
})
