import { createHash, randomBytes } from 'node:crypto'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayDeps } from '../deps.ts'
import { type GatewayHarness, gatewayTestEnv, startGateway } from '../testing/harness.ts'
import { openPatch, putHolder, recordedTusState } from '../testing/tusFaults.ts'
import { CHUNK, MiB, tusSuite, type User } from '../testing/tusSuite.ts'

const t = tusSuite('gw-tus-pipeline')
const { signedIn, errorOf, tus, create, offsetOf, completed, downloaded, objectsUnder, chunkPrefix } = t

/**
 * Gateways built in the test process on the suite's sessions service, S3 and DynamoDB: `gw` with the
 * default memory budget (two chunk buffers per PATCH), its tus RPCs recorded and its PutObjects
 * holdable; `lean` with a budget of one chunk buffer. Everything else goes through the suite's
 * gateway process.
 */
let gw: GatewayHarness
let gwUrl = ''
let lean: GatewayHarness
let leanUrl = ''
let holder: ReturnType<typeof putHolder>
const calls: string[] = []

async function inProcess(extra: Record<string, string>, prepare?: (deps: GatewayDeps) => void) {
  const gateway = await startGateway(
    gatewayTestEnv(t.stack, {
      SESSIONS_GRPC_URL: t.sessions.address,
      SERVICE_TOKEN_KEYS: t.sessions.serviceKeys,
      SESSIONS_GRPC_DEADLINE_MS: '10000',
      REDIS_URL: t.system.redisUrl,
      TUS_LOCK_SECONDS: '10',
      ...extra,
    }),
    prepare ? { prepare } : {},
  )
  await gateway.app.listen({ host: '127.0.0.1', port: 0 })
  const address = gateway.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { gateway, url: `http://127.0.0.1:${port}` }
}

beforeAll(async () => {
  const main = await inProcess({}, (deps) => {
    deps.tusState = recordedTusState(deps.tusState, calls)
    holder = putHolder(deps.s3)
  })
  gw = main.gateway
  gwUrl = main.url
  const small = await inProcess({ TUS_MEMORY_BUDGET_BYTES: String(4 * MiB) })
  lean = small.gateway
  leanUrl = small.url
})
afterAll(async () => {
  await gw?.close()
  await lean?.close()
})

const at = (base: string, location: string) => new URL(location, base)
const patchAt = (
  base: string,
  user: User,
  location: string,
  offset: number,
  body: Uint8Array,
  headers = {},
) => t.patch(user, at(base, location).toString(), offset, body, headers)

async function lockIdOf(id: string): Promise<string> {
  const out = await t.stack.clients.documents.send(
    new GetCommand({
      TableName: t.uploadsTable(),
      Key: { pk: `UPLOAD#${id}`, sk: 'TUS' },
      ConsistentRead: true,
    }),
  )
  return typeof out.Item?.lockId === 'string' ? out.Item.lockId : ''
}

describe('the tus PATCH path', () => {
  it('costs the lock and one advance per chunk, the last one releasing the lock', async () => {
    const user = await signedIn()
    const bytes = randomBytes(2 * CHUNK + 100)
    const { location, id } = await create(user, bytes.length)
    calls.length = 0
    expect((await patchAt(gwUrl, user, location, 0, bytes.subarray(0, CHUNK))).status).toBe(204)
    expect(calls).toEqual(['lock', 'advance+unlock'])
    expect(await lockIdOf(id)).toBe('')
    calls.length = 0
    const rest = await patchAt(gwUrl, user, location, CHUNK, bytes.subarray(CHUNK))
    expect(rest.status).toBe(204)
    expect(calls).toEqual(['lock', 'advance', 'advance+unlock'])
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('a body past Upload-Length is 413 after the lock, which is released at once', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 100)
    calls.length = 0
    const long = await patchAt(gwUrl, user, location, 0, randomBytes(101))
    expect(long.status).toBe(413)
    expect(await errorOf(long)).toEqual({
      code: 'TOO_LARGE',
      message: 'the body ends past Upload-Length 100',
    })
    expect(calls).toEqual(['lock', 'unlock'])
    expect(await lockIdOf(id)).toBe('')
    expect((await patchAt(gwUrl, user, location, 0, randomBytes(100))).status).toBe(204)
  })

  it('a chunk that fails to store while the next one arrives: 503, offset at the last stored chunk, resumable', async () => {
    const user = await signedIn()
    const bytes = randomBytes(4 * CHUNK + 5000)
    const { location, id } = await create(user, bytes.length)
    const held = holder.hold((key) => key === `${chunkPrefix(id)}00001`)
    const body = openPatch(at(gwUrl, location), user.token, 0, bytes.length)
    await body.write(bytes.subarray(0, 2 * CHUNK))
    await held.entered
    // Chunk 0 is stored and counted while chunk 1's PutObject is held; chunk 2 goes on arriving.
    await waitFor(async () => (await offsetOf(user, location)) === CHUNK, { what: 'chunk 0 to be counted' })
    await body.write(bytes.subarray(2 * CHUNK, 2 * CHUNK + CHUNK / 2))
    held.fail()
    const answer = await body.answer
    expect(answer.status).toBe(503)
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'UNAVAILABLE', message: 'chunk storage is unavailable; retry later' },
    })
    expect(answer.headers['retry-after']).toBe('2')
    expect(await offsetOf(user, location)).toBe(CHUNK)
    expect(await objectsUnder(chunkPrefix(id))).toEqual([`${chunkPrefix(id)}00000`])
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
    // What a tus client does next: HEAD, then the rest from the stored offset.
    const resumed = await patchAt(gwUrl, user, location, CHUNK, bytes.subarray(CHUNK))
    expect(resumed.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('a client that goes away while a chunk is being stored keeps it and every byte after it', async () => {
    const user = await signedIn()
    const bytes = randomBytes(3 * CHUNK + 777)
    const { location, id } = await create(user, bytes.length)
    const held = holder.hold((key) => key === `${chunkPrefix(id)}00001`)
    const body = openPatch(at(gwUrl, location), user.token, 0, bytes.length)
    const sent = 2 * CHUNK + 12_345
    await body.write(bytes.subarray(0, sent))
    await held.entered
    body.cut()
    // The cut is seen while chunk 1 is still held: the tail of chunk 2 goes to staging meanwhile.
    await waitFor(async () => (await objectsUnder(`tus-staging/${id}/`)).length === 1, {
      what: 'the tail after the cut to be staged',
    })
    held.release()
    await waitFor(async () => (await offsetOf(user, location)) === sent, {
      timeoutMs: 30_000,
      what: 'the offset to cover every byte sent',
    })
    expect(await objectsUnder(chunkPrefix(id))).toEqual([
      `${chunkPrefix(id)}00000`,
      `${chunkPrefix(id)}00001`,
    ])
    // The write that moved the offset there also released the lock.
    expect(await lockIdOf(id)).toBe('')
    const resumed = await patchAt(gwUrl, user, location, sent, bytes.subarray(sent))
    expect(resumed.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
  })

  it('a checksum PATCH whose held-back chunk fails to store keeps nothing; the retry is stored', async () => {
    const user = await signedIn()
    const bytes = randomBytes(2 * CHUNK + 10)
    const { location, id } = await create(user, bytes.length)
    const checksum = { 'upload-checksum': `sha256 ${createHash('sha256').update(bytes).digest('base64')}` }
    const held = holder.hold((key) => key.startsWith(`tus-staging/${id}/pending-`) && key.endsWith('-00001'))
    const body = openPatch(at(gwUrl, location), user.token, 0, bytes.length, checksum)
    await body.write(bytes)
    await held.entered
    held.fail()
    const answer = await body.answer
    expect(answer.status).toBe(503)
    expect(JSON.parse(answer.body).error.code).toBe('UNAVAILABLE')
    expect(await offsetOf(user, location)).toBe(0)
    expect(await objectsUnder(chunkPrefix(id))).toEqual([])
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
    const retried = await patchAt(gwUrl, user, location, 0, bytes, checksum)
    expect(retried.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('with a budget of one chunk buffer a PATCH stores chunk by chunk, and over it is 503 with the upload left free', async () => {
    const user = await signedIn()
    const bytes = randomBytes(2 * CHUNK + 99)
    const first = await create(user, bytes.length)
    expect((await patchAt(leanUrl, user, first.location, 0, bytes)).status).toBe(204)
    const done = await completed(user, first.id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)

    // One slow PATCH holds the only buffer; a PATCH of another upload is refused meanwhile.
    const slow = await create(user, 2 * CHUNK)
    const other = await create(user, 2 * MiB)
    const body = openPatch(at(leanUrl, slow.location), user.token, 0, MiB)
    await body.write(bytes.subarray(0, MiB / 2))
    await waitFor(async () => (await lockIdOf(slow.id)) !== '', { what: 'the slow PATCH to take its lock' })
    const refused = await patchAt(leanUrl, user, other.location, 0, bytes.subarray(0, MiB))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('2')
    expect((await errorOf(refused)).code).toBe('UNAVAILABLE')
    expect(await lockIdOf(other.id)).toBe('')
    await body.write(bytes.subarray(MiB / 2, MiB))
    expect((await body.answer).status).toBe(204)
    expect((await tus(user, at(leanUrl, other.location).toString(), { method: 'HEAD' })).status).toBe(200)
    expect((await patchAt(leanUrl, user, other.location, 0, bytes.subarray(0, MiB))).status).toBe(204)
  })
})
