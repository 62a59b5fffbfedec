import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_CHUNK_SIZE, MiB, planChunks } from '@lfusys/contracts'
import { provisionTestStack, type TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayClient } from './GatewayClient.ts'
import { type ChunkHasher, hashChunksInline } from './hashing.ts'
import { fileSource } from './node/fileSource.ts'
import { CSRF_COOKIE, createSessionFetch } from './sessionFetch.ts'
import { cookieFetch } from './testing/cookieFetch.ts'
import { type RunningSystem, startSystem } from './testing/system.ts'
import { type ResumeRecord, UploadTask } from './UploadTask.ts'

// A deployment whose chunk size is not the default: sessions decides with it, the gateway
// announces it, and the engine plans, hashes and creates exactly once.
const CHUNK = 3 * MiB

describe('the engine plans once from the policy the gateway announces', () => {
  let stack: TestStack
  let system: RunningSystem
  let dir: string
  let gateway: GatewayClient
  const requests: string[] = []

  beforeAll(async () => {
    stack = await provisionTestStack('policy')
    const policyEnv = { CHUNK_SIZE_BYTES: String(CHUNK) }
    system = await startSystem(stack, { env: { sessions: policyEnv, gateway: policyEnv } })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-policy-'))
    const jar = cookieFetch()
    gateway = new GatewayClient({
      baseUrl: system.apiUrl,
      fetch: createSessionFetch({
        fetch: (input, init) => {
          requests.push(`${init?.method ?? 'GET'} ${input.replace(system.apiUrl, '')}`)
          return jar.fetch(input, init)
        },
        csrfToken: () => jar.get(CSRF_COOKIE),
        refreshUrl: `${system.apiUrl}/auth/refresh`,
      }),
    })
    const email = `policy-${randomBytes(4).toString('hex')}@example.test`
    await gateway.register(email, 'correct horse battery staple')
    await gateway.login(email, 'correct horse battery staple')
  }, 120_000)

  afterAll(async () => {
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('one policy fetch, one hashing pass and one creation per file, with the server plan', async () => {
    const hashed: number[] = []
    const hasher: ChunkHasher = (source, plan, hooks) => {
      hashed.push(plan.chunkSize)
      return hashChunksInline(source, plan, hooks)
    }
    const sizes = [7 * MiB + 11, 2 * MiB]
    for (const [n, size] of sizes.entries()) {
      const path = join(dir, `f${n}.bin`)
      await writeFile(path, randomBytes(size))
      const source = await fileSource(path)
      const records: ResumeRecord[] = []
      const task = new UploadTask({ source, gateway, hasher, onSessionReady: (r) => void records.push(r) })
      const outcome = await task.start()
      await source.close?.()
      expect(outcome.kind).toBe('complete')
      // The plan sessions decided is the one the engine made from the announced policy.
      const expected = planChunks(size, { baseChunkSize: CHUNK })
      expect(records).toMatchObject([{ chunkSize: CHUNK, chunkCount: expected.chunkCount }])
      if (outcome.kind === 'complete') {
        expect(outcome.upload).toMatchObject({ chunkSize: CHUNK, chunkCount: expected.chunkCount })
      }
    }
    expect(CHUNK).not.toBe(DEFAULT_CHUNK_SIZE)
    expect(hashed).toEqual([CHUNK, CHUNK])
    expect(requests.filter((r) => r === 'POST /uploads')).toHaveLength(2)
    expect(requests.filter((r) => r === 'GET /uploads/policy')).toHaveLength(1)
    expect(requests.filter((r) => r.startsWith('DELETE '))).toEqual([])
  })
})
