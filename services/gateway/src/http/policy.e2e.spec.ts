import { MAX_CHUNKS, MiB, planChunks, uploadPolicySchema } from '@lfusys/contracts'
import type { TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type GatewayHarness,
  gatewayTestEnv,
  provisionGatewayStack,
  startGateway,
} from '../testing/harness.ts'
import { POLICY_MAX_AGE_SECONDS } from './policyRoutes.ts'

let stack: TestStack
let gw: GatewayHarness
let defaults: GatewayHarness

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-policy')
  gw = await startGateway(
    gatewayTestEnv(stack, {
      CHUNK_SIZE_BYTES: String(3 * MiB),
      MAX_FILE_SIZE_BYTES: String(64 * 1024 * MiB),
      USER_QUOTA_BYTES: '0',
    }),
  )
  defaults = await startGateway(gatewayTestEnv(stack))
}, 60_000)

afterAll(async () => {
  await gw?.close()
  await defaults?.close()
  stack?.close()
})

describe('GET /api/v1/uploads/policy', () => {
  it('announces the configured chunk rule, largest file and quota, without a session', async () => {
    const res = await gw.app.inject({ url: '/api/v1/uploads/policy' })
    expect(res.statusCode).toBe(200)
    const policy = uploadPolicySchema.parse(res.json())
    expect(policy).toEqual({
      chunkPlan: { baseChunkSize: 3 * MiB, maxChunks: MAX_CHUNKS },
      maxFileSize: 64 * 1024 * MiB,
      quotaBytes: null,
    })
    // The announced rule is the sessions rule: 30,001 chunks of 3 MiB would be too many.
    expect(planChunks(30_001 * 3 * MiB, policy.chunkPlan)).toMatchObject({ chunkSize: 10 * MiB })
  })

  it('announces the defaults the sessions service applies when nothing is configured', async () => {
    const res = await defaults.app.inject({ url: '/api/v1/uploads/policy' })
    expect(res.json()).toEqual({
      chunkPlan: { baseChunkSize: 8 * MiB, maxChunks: 10_000 },
      maxFileSize: 5 * 1024 * 1024 * MiB,
      quotaBytes: 1024 * 1024 * MiB,
    })
  })

  it('is cacheable: public max-age and an ETag that If-None-Match turns into 304', async () => {
    const first = await gw.app.inject({ url: '/api/v1/uploads/policy' })
    expect(first.headers['cache-control']).toBe(`public, max-age=${POLICY_MAX_AGE_SECONDS}`)
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    // Another policy is another representation.
    const other = await defaults.app.inject({ url: '/api/v1/uploads/policy' })
    expect(other.headers.etag).not.toBe(etag)

    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const again = await gw.app.inject({
        url: '/api/v1/uploads/policy',
        headers: { 'if-none-match': header },
      })
      expect(again.statusCode, header).toBe(304)
      expect(again.body).toBe('')
      expect(again.headers.etag).toBe(etag)
    }
    const stale = await gw.app.inject({
      url: '/api/v1/uploads/policy',
      headers: { 'if-none-match': String(other.headers.etag) },
    })
    expect(stale.statusCode).toBe(200)
  })

  it('keeps the rest of the API uncacheable', async () => {
    const res = await gw.app.inject({ url: '/api/v1/uploads' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['cache-control']).toBe('no-store')
  })
})
