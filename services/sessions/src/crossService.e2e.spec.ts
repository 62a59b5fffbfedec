import { createHash } from 'node:crypto'
import { chunkRange, formatContentDigest, objectKey } from '@lfusys/contracts'
import { freePort, type ManagedProcess, spawnManaged } from '@lfusys/devstack'
import { createSessionsClient, type FileInfo__Output, type SessionsClient } from '@lfusys/proto'
import { provisionTestStack, repoRoot, type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Ctx,
  call,
  caller,
  createUpload,
  download,
  filesItem,
  listKeys,
  MiB,
  makeFile,
  sessionsEnv,
  TOKEN_KEYS,
  waitForStatus,
} from './testing/harness.ts'

let stack: TestStack
let sessions: ManagedProcess
let uploads: ManagedProcess
let client: SessionsClient
let ctx: Ctx

async function waitForLine(proc: ManagedProcess, text: string) {
  await waitFor(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`)
      return proc.output().includes(text)
    },
    { what: `${proc.name} to start`, timeoutMs: 30_000 },
  )
}

beforeAll(async () => {
  stack = await provisionTestStack('cross')
  const uploadsPort = await freePort()
  const sessionsPort = await freePort()
  const base = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' }
  uploads = spawnManaged('uploads', process.execPath, ['services/uploads/src/server.ts'], {
    cwd: repoRoot,
    env: {
      ...base,
      ...stack.env,
      UPLOADS_PORT: String(uploadsPort),
      UPLOAD_TOKEN_KEYS: TOKEN_KEYS,
      WEB_ORIGIN: 'http://web.test',
    },
  })
  sessions = spawnManaged('sessions', process.execPath, ['services/sessions/src/server.ts'], {
    cwd: repoRoot,
    env: {
      ...base,
      ...sessionsEnv(stack, { UPLOADS_PUBLIC_URL: `http://127.0.0.1:${uploadsPort}` }),
      LOG_LEVEL: 'info',
      SESSIONS_GRPC_PORT: String(sessionsPort),
    },
  })
  await waitForLine(sessions, '"msg":"sessions listening"')
  await waitFor(
    async () => {
      if (uploads.child.exitCode !== null) throw new Error(`uploads exited:\n${uploads.output()}`)
      const res = await fetch(`http://127.0.0.1:${uploadsPort}/health/live`).catch(() => undefined)
      return res?.ok === true
    },
    { what: 'the uploads service', timeoutMs: 30_000 },
  )
  client = createSessionsClient(`127.0.0.1:${sessionsPort}`)
  ctx = { stack, client }
}, 60_000)

afterAll(async () => {
  client?.close()
  await Promise.all([sessions?.stop(), uploads?.stop()])
  stack?.close()
})

describe('sessions with the real uploads service', () => {
  it('chunks PUT through the uploads service with the session token become a verified file', async () => {
    const file = await makeFile(11 * MiB + 7, 5 * MiB)
    const created = await createUpload(ctx, 'wendy', { bytes: file.bytes }, { fileName: 'cross.bin' })
    const session = created.upload?.session
    const token = created.upload?.uploadToken?.token
    if (!session || !token) throw new Error('expected a session and a token')
    const plan = { fileSize: session.fileSize, chunkSize: session.chunkSize, chunkCount: session.chunkCount }
    for (let i = 0; i < session.chunkCount; i++) {
      const { start, end } = chunkRange(plan, i)
      const body = file.bytes.subarray(start, end)
      const res = await fetch(`${session.chunkUploadUrl}/${i}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-digest': formatContentDigest(new Uint8Array(createHash('sha256').update(body).digest())),
          'content-type': 'application/octet-stream',
        },
        body,
      })
      expect(res.status).toBe(201)
    }
    const done = await waitForStatus(ctx, 'wendy', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect(done.receivedChunks).toEqual([0, 1, 2])
    expect(done.contentHash).toBe(file.contentHash)
    const info = await call<unknown, FileInfo__Output>(client, 'GetFile', {
      caller: caller('wendy'),
      fileId: done.fileId,
    })
    expect(info).toMatchObject({ name: 'cross.bin', size: file.bytes.length, contentHash: file.contentHash })
    expect((await download(ctx, 'wendy', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    expect(await listKeys(ctx, `chunks/${session.uploadId}/`)).toEqual([])
    expect(
      await filesItem(ctx, `OBJECT#${objectKey('objects/', file.contentHash, file.bytes.length)}`, 'OBJECT'),
    ).toMatchObject({ refCount: 1 })
  })
})
