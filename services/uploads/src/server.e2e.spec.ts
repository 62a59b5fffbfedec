import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { chunkUploadPrefix, formatContentDigest, MiB } from '@lfusys/contracts'
import { freePort, type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import { provisionTestStack, repoRoot, type TestStack } from '@lfusys/testing'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './testing/send.ts'

const KEYS = 'srv1:uploads-server-secret-with-at-least-32-chars'

let stack: TestStack
let server: ManagedProcess
let url: string

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1]
  if (!kib) throw new Error('no VmHWM in /proc status')
  return Number(kib) / 1024
}

beforeAll(async () => {
  stack = await provisionTestStack('uploads-server')
  const port = await freePort()
  url = `http://127.0.0.1:${port}`
  // Started like the package's start script, with only what provisioning gives plus the two
  // variables that have no default.
  server = spawnManaged(
    'uploads',
    process.execPath,
    ['--max-semi-space-size=1', join(repoRoot, 'services/uploads/src/server.ts')],
    {
      env: {
        PATH: process.env.PATH,
        ...stack.env,
        UPLOAD_TOKEN_KEYS: KEYS,
        WEB_ORIGIN: 'http://127.0.0.1:5173',
        UPLOADS_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
    },
  )
  await waitUntilReady(
    'uploads service',
    async () => (await send(url, { method: 'GET', path: '/health/ready', headers: {} })).status === 200,
    { timeoutMs: 30_000, process: server },
  )
})

afterAll(async () => {
  await server?.stop()
  stack?.close()
})

describe('uploads service process', () => {
  it('stores 48 chunks of 8 MiB at concurrency 8 with peak RSS far below the bytes received', async () => {
    const chunkSize = 8 * MiB
    const chunkCount = 48
    const uploadId = randomUUID()
    const { token } = await signUploadToken(
      parseUploadTokenKeys(KEYS),
      { userId: 'u', uploadId, fileSize: chunkSize * chunkCount, chunkSize, chunkCount },
      600,
    )
    // Four distinct bodies reused across chunks keep the test's own memory small.
    const bodies = Array.from({ length: 4 }, () => randomBytes(chunkSize))
    const digests = bodies.map((b) => formatContentDigest(createHash('sha256').update(b).digest()))
    let next = 0
    const statuses: number[] = []
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let index = next++; index < chunkCount; index = next++) {
          const body = bodies[index % 4] ?? Buffer.alloc(0)
          const res = await send(url, {
            path: `/api/v1/uploads/${uploadId}/chunks/${index}`,
            headers: {
              authorization: `Bearer ${token}`,
              'content-digest': digests[index % 4] ?? '',
              'content-length': String(chunkSize),
            },
            body,
          })
          statuses.push(res.status)
        }
      }),
    )
    expect(statuses.filter((s) => s !== 201)).toEqual([])
    const listed = await stack.clients.s3.send(
      new ListObjectsV2Command({
        Bucket: stack.resources.bucket,
        Prefix: chunkUploadPrefix(stack.resources.chunkPrefix, uploadId),
      }),
    )
    expect(listed.KeyCount).toBe(chunkCount)
    const pid = server.child.pid ?? 0
    // 384 MiB went through, 64 MiB at a time; bodies stream into S3, so each request holds only
    // stream buffers over the idle process.
    const peak = peakRssMiB(pid)
    console.log(`[measure] uploads peak RSS after 48 x 8 MiB at concurrency 8: ${peak.toFixed(0)} MiB`)
    expect(peak).toBeLessThan(200)
  })

  it('shuts down cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })
})
