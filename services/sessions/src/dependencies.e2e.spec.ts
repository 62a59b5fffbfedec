import { createServer, type Server, type Socket } from 'node:net'
import { freePort } from '@lfusys/devstack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, caller, createUpload, type Harness, startHarness } from './testing/harness.ts'

let refused: Harness
let stalled: Harness
let hanging: Server
const held: Socket[] = []

beforeAll(async () => {
  // One DynamoDB that refuses connections, one that accepts and never answers.
  hanging = createServer((socket) => void held.push(socket))
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  const { port } = hanging.address() as { port: number }
  refused = await startHarness(
    'deps-refused',
    { AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await freePort()}` },
    { consumer: false },
  )
  stalled = await startHarness(
    'deps-stalled',
    { AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}` },
    { consumer: false },
  )
})
afterAll(async () => {
  for (const socket of held) socket.destroy()
  await refused?.close()
  await stalled?.close()
  await new Promise((resolve) => hanging?.close(resolve))
})

describe('DynamoDB down', () => {
  it('refusing connections: calls fail UNAVAILABLE with a retry hint, never INTERNAL', async () => {
    await expect(createUpload(refused, 'ursula', { bytes: Buffer.alloc(10) })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'storage is temporarily unavailable',
      retryAfterSeconds: 2,
    })
    await expect(call(refused.client, 'ListUploads', { caller: caller('ursula') })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    })
  })

  it('stalled: calls fail UNAVAILABLE within the request deadline instead of hanging', async () => {
    await expect(createUpload(stalled, 'victor', { bytes: Buffer.alloc(10) })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    })
  })
})
