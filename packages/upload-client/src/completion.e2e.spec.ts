import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MiB } from '@lfusys/contracts'
import { provisionTestStack, type TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayClient } from './GatewayClient.ts'
import { fileSource } from './node/fileSource.ts'
import { CSRF_COOKIE, createSessionFetch } from './sessionFetch.ts'
import { cookieFetch } from './testing/cookieFetch.ts'
import { type RunningSystem, startSystem } from './testing/system.ts'
import { UploadTask } from './UploadTask.ts'

// Every chunk event is lost: the sessions service consumes no queue and never reconciles on its
// own, so only the engine's completion call can finish an upload.
describe('the completion call when every chunk event is lost', () => {
  let stack: TestStack
  let system: RunningSystem
  let dir: string
  let gateway: GatewayClient
  let jar: ReturnType<typeof cookieFetch>

  beforeAll(async () => {
    stack = await provisionTestStack('lost-events')
    system = await startSystem(stack, {
      env: { sessions: { CONSUMER_ENABLED: 'false', RECONCILE_AFTER_SECONDS: '0' } },
    })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-lost-'))
    jar = cookieFetch()
    gateway = new GatewayClient({
      baseUrl: system.apiUrl,
      fetch: createSessionFetch({
        fetch: jar.fetch,
        csrfToken: () => jar.get(CSRF_COOKIE),
        refreshUrl: `${system.apiUrl}/auth/refresh`,
      }),
    })
    const email = `lost-${randomBytes(4).toString('hex')}@example.test`
    await gateway.register(email, 'correct horse battery staple')
    await gateway.login(email, 'correct horse battery staple')
  }, 120_000)

  afterAll(async () => {
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('records the chunks from a listing and completes, exactly once, with the right bytes', async () => {
    const size = 2 * 8 * MiB + 12_345
    const path = join(dir, 'lost.bin')
    await writeFile(path, randomBytes(size))
    const source = await fileSource(path)
    let completedCalls = 0
    let completionAt = 0
    const complete = gateway.completeUpload.bind(gateway)
    gateway.completeUpload = async (id, signal) => {
      completedCalls++
      // Every chunk is stored, yet no event was handled: the upload is still `created`.
      expect(await gateway.getUpload(id, signal)).toMatchObject({ status: 'created', receivedChunks: [] })
      completionAt = Date.now()
      const answer = await complete(id, signal)
      expect(answer.receivedChunks).toEqual([0, 1, 2])
      return answer
    }
    const task = new UploadTask({ source, gateway })
    const outcome = await task.start()
    await source.close?.()
    const recoveredMs = Date.now() - completionAt
    console.log(`[measure] every chunk event lost -> complete ${recoveredMs} ms after the completion call`)
    expect(outcome.kind).toBe('complete')
    expect(completedCalls).toBe(1)
    if (outcome.kind !== 'complete') return
    const file = await gateway.getFile(outcome.fileId)
    expect(file.size).toBe(size)
    const bytes = Buffer.from(await (await jar.fetch(gateway.downloadUrl(outcome.fileId))).arrayBuffer())
    const expected = await readFile(path)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(expected).digest('hex'),
    )
    // A repeated call changes nothing and answers the final state.
    expect((await complete(task.snapshot.uploadId ?? '')).status).toBe('complete')
  }, 120_000)
})
