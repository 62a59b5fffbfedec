import { createHash } from 'node:crypto'
import { chunkRange, endedKey, formatContentDigest, objectKey } from '@lfusys/contracts'
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
  objectExists,
  sessionsEnv,
  TOKEN_KEYS,
  type UploadSession__Output,
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

/** PUTs chunk `index` of `bytes` through the uploads service with the session's token. */
async function putThroughUploads(
  session: UploadSession__Output,
  token: string,
  bytes: Buffer,
  index: number,
) {
  const plan = { fileSize: session.fileSize, chunkSize: session.chunkSize, chunkCount: session.chunkCount }
  const { start, end } = chunkRange(plan, index)
  const body = bytes.subarray(start, end)
  const res = await fetch(`${session.chunkUploadUrl}/${index}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-digest': formatContentDigest(new Uint8Array(createHash('sha256').update(body).digest())),
      'content-type': 'application/octet-stream',
    },
    body,
  })
  return { status: res.status, body: (await res.json()) as unknown }
}

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

describe('an upload token ends with its upload', () => {
  async function started(userId: string, file: { bytes: Buffer; contentHash?: string }) {
    const created = await createUpload(ctx, userId, file, { fileName: 'ends.bin' })
    const session = created.upload?.session
    const token = created.upload?.uploadToken?.token
    if (!session || !token) throw new Error('expected a session and a token')
    return { session, token }
  }

  function gone(status: string) {
    return {
      status: 410,
      body: {
        error: {
          code: 'GONE',
          message: `the upload is ${status}; its token no longer accepts chunks`,
          details: { reason: 'upload_ended', status },
        },
      },
    }
  }

  it('refuses chunks once the upload is cancelled', async () => {
    const file = await makeFile(11 * MiB, 5 * MiB)
    const { session, token } = await started('xavier', { bytes: file.bytes })
    // The token carries the per-user chunks-in-flight cap (UPLOAD_MAX_CHUNKS_IN_FLIGHT, default 8).
    expect(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).cif).toBe(8)
    expect((await putThroughUploads(session, token, file.bytes, 0)).status).toBe(201)
    await call(client, 'CancelUpload', { caller: caller('xavier'), uploadId: session.uploadId })
    // Cancelling answers once the session is cleaned up, marker included.
    expect(await putThroughUploads(session, token, file.bytes, 1)).toEqual(gone('cancelled'))
  })

  it('refuses chunks once the upload is complete, and once it failed', async () => {
    const file = await makeFile(MiB + 5, 5 * MiB)
    const done = await started('yvonne', { bytes: file.bytes })
    for (let i = 0; i < done.session.chunkCount; i++) {
      expect((await putThroughUploads(done.session, done.token, file.bytes, i)).status).toBe(201)
    }
    await waitForStatus(ctx, 'yvonne', done.session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    await waitFor(() => objectExists(ctx, endedKey(done.session.uploadId)), { what: 'the ended marker' })
    expect(await putThroughUploads(done.session, done.token, file.bytes, 0)).toEqual(gone('complete'))

    // Declared with the hash of other content: finalization fails.
    const other = await makeFile(MiB + 5, 5 * MiB)
    const failing = await started('yvonne', { bytes: file.bytes, contentHash: other.contentHash })
    for (let i = 0; i < failing.session.chunkCount; i++) {
      expect((await putThroughUploads(failing.session, failing.token, file.bytes, i)).status).toBe(201)
    }
    await waitForStatus(ctx, 'yvonne', failing.session.uploadId, 'UPLOAD_STATUS_FAILED')
    await waitFor(() => objectExists(ctx, endedKey(failing.session.uploadId)), { what: 'the ended marker' })
    expect(await putThroughUploads(failing.session, failing.token, file.bytes, 0)).toEqual(gone('failed'))
  })
})
