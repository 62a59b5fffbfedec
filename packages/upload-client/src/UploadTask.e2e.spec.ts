import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MiB } from '@lfusys/contracts'
import { provisionTestStack, type TestStack, waitFor } from '@lfusys/testing'
import { parseUploadTokenKeys, signUploadToken, verifyUploadToken } from '@lfusys/upload-token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChunkTransport, fetchChunkTransport } from './ChunkTransport.ts'
import { GatewayClient } from './GatewayClient.ts'
import { fileSource } from './node/fileSource.ts'
import { CSRF_COOKIE, createSessionFetch } from './sessionFetch.ts'
import { cookieFetch } from './testing/cookieFetch.ts'
import { type RunningSystem, startSystem, UPLOAD_TOKEN_KEYS } from './testing/system.ts'
import { UploadTask } from './UploadTask.ts'

describe('UploadTask against the whole system (Node adapter)', () => {
  let stack: TestStack
  let system: RunningSystem
  let dir: string
  let gateway: GatewayClient

  beforeAll(async () => {
    stack = await provisionTestStack('engine')
    system = await startSystem(stack)
    dir = await mkdtemp(join(tmpdir(), 'lfusys-engine-'))
    const jar = cookieFetch()
    gateway = new GatewayClient({
      baseUrl: system.apiUrl,
      fetch: createSessionFetch({
        fetch: jar.fetch,
        csrfToken: () => jar.get(CSRF_COOKIE),
        refreshUrl: `${system.apiUrl}/auth/refresh`,
      }),
    })
    const email = `engine-${randomBytes(4).toString('hex')}@example.test`
    await gateway.register(email, 'correct horse battery staple')
    await gateway.login(email, 'correct horse battery staple')
  })

  afterAll(async () => {
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function file(name: string, size: number) {
    const path = join(dir, name)
    await writeFile(path, randomBytes(size))
    return fileSource(path)
  }

  it('renews an upload token that the uploads service reports expired, and completes', async () => {
    const keys = parseUploadTokenKeys(UPLOAD_TOKEN_KEYS)
    const base = fetchChunkTransport()
    let expiredSent = 0
    const statuses: number[] = []
    // The first PUT carries a token for the same upload that expired an hour ago, as if the
    // upload had been running longer than the token's lifetime.
    const transport: ChunkTransport = async (req) => {
      let token = req.token
      if (expiredSent === 0) {
        expiredSent++
        const claims = await verifyUploadToken(keys, req.token)
        token = (await signUploadToken(keys, claims, 60, new Date(Date.now() - 3_600_000))).token
      }
      const res = await base({ ...req, token })
      statuses.push(res.status)
      return res
    }
    const source = await file('renew.bin', 2 * 8 * MiB + 5)
    const task = new UploadTask({ source, gateway, transport, concurrency: 1 })
    const outcome = await task.start()
    await source.close?.()
    expect(outcome.kind).toBe('complete')
    expect(statuses).toEqual([401, 201, 201, 201])
    if (outcome.kind !== 'complete') return
    const stored = await gateway.getFile(outcome.fileId)
    expect(stored).toMatchObject({ size: 2 * 8 * MiB + 5, contentHash: task.snapshot.contentHash })
  })

  it('cancel stops the transfer and cancels the session on the server', async () => {
    system.gate.holdAfter(1)
    const source = await file('cancel.bin', 3 * 8 * MiB)
    const task = new UploadTask({ source, gateway })
    const running = task.start()
    await waitFor(() => system.gate.heldCount >= 1 && task.snapshot.uploadId, { timeoutMs: 30_000 })
    await task.cancel()
    system.gate.open()
    expect(await running).toEqual({ kind: 'cancelled' })
    await source.close?.()
    const id = task.snapshot.uploadId ?? ''
    expect((await gateway.getUpload(id)).status).toBe('cancelled')
    expect((await gateway.listUploads()).map((u) => u.id)).not.toContain(id)
  })

  it('uploads an empty file as one empty chunk', async () => {
    const source = await file('empty.bin', 0)
    const task = new UploadTask({ source, gateway })
    const outcome = await task.start()
    await source.close?.()
    expect(outcome.kind).toBe('complete')
    expect(task.snapshot.contentHash).toBe('5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456')
  })
})
