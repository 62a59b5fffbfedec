import { randomBytes } from 'node:crypto'
import { type CaughtMail, Mailbox } from '@lfusys/testing'
import { describe, expect, it } from 'vitest'
import { GOOD_PASSWORD, HttpBrowser, type JsonResponse, uniqueEmail } from './testing/harness.ts'
import {
  type Created,
  createUpload,
  download,
  gatewaySystemSuite,
  storedFile,
  uploadAll,
} from './testing/systemClient.ts'
import { contentHashOf, readSse } from './testing/uploading.ts'
import type { FileRecord, Upload } from './uploads/types.ts'

const suite = gatewaySystemSuite('gw-system')
const { admin: ADMIN, signedIn } = suite

describe('the whole flow through the real services', () => {
  it('register -> login -> create -> chunks -> SSE complete -> list -> download identical -> delete -> gone', async () => {
    const email = uniqueEmail('flow')
    await signedIn(email)
    const browser = new HttpBrowser(suite.system.gatewayUrl)
    const login = await browser.fetch('/api/v1/auth/login', {
      method: 'POST',
      body: { email, password: GOOD_PASSWORD },
    })
    expect(login.status).toBe(200)

    const bytes = randomBytes(9 * 1024 * 1024 + 12_345)
    const res = await createUpload(browser, bytes, 'résumé final.bin')
    expect(res.status).toBe(201)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const created: Created = await res.json()
    expect(created.result).toBe('created')
    expect(created.upload).toMatchObject({
      fileName: 'résumé final.bin',
      fileSize: bytes.length,
      contentType: 'application/octet-stream',
      chunkSize: 8 * 1024 * 1024,
      chunkCount: 2,
      receivedChunks: [],
      status: 'created',
      fileId: null,
      failureReason: null,
      chunkUploadUrl: `${suite.system.uploadsUrl}/api/v1/uploads/${created.upload.id}/chunks`,
    })

    const events = await browser.fetch(`/api/v1/uploads/${created.upload.id}/events`)
    expect(events.status).toBe(200)
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await uploadAll(created, bytes)
    const seen: Upload[] = []
    for await (const ev of readSse(events)) {
      if (ev.event === 'upload') seen.push(JSON.parse(ev.data))
    }
    // The stream ended by itself after the final state.
    const last = seen.at(-1)
    expect(last?.status).toBe('complete')
    expect(last?.fileId).toMatch(/^[0-9a-f-]{36}$/)
    expect(seen[0]?.id).toBe(created.upload.id)

    const list = await browser.fetch('/api/v1/files')
    expect(list.status).toBe(200)
    const { files, nextCursor } = await list.json()
    expect(nextCursor).toBeNull()
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({
      id: last?.fileId,
      name: 'résumé final.bin',
      size: bytes.length,
      contentHash: contentHashOf(bytes, 8 * 1024 * 1024),
    })

    const { object, bytes: downloaded } = await download(browser, files[0].id)
    expect(object.status).toBe(200)
    // The original name travels in the presigned URL's response-content-disposition.
    expect(new URL(object.url).searchParams.get('response-content-disposition')).toContain('filename')
    expect(downloaded.equals(bytes)).toBe(true)

    const del = await browser.fetch(`/api/v1/files/${files[0].id}`, { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect((await browser.fetch(`/api/v1/files/${files[0].id}`)).status).toBe(404)
    expect((await browser.fetch(`/api/v1/files/${files[0].id}/download`)).status).toBe(404)
    expect((await (await browser.fetch('/api/v1/files')).json()).files).toEqual([])
  })
})

describe('uploads API', () => {
  it('resumes an unfinished upload, renews its token, lists it, and cancels it', async () => {
    const browser = await signedIn()
    const bytes = randomBytes(1000)
    const first: Created = await (await createUpload(browser, bytes)).json()
    const again = await createUpload(browser, bytes)
    expect(again.status).toBe(201)
    const resumed: Created = await again.json()
    expect(resumed.result).toBe('resumed')
    expect(resumed.upload.id).toBe(first.upload.id)

    const list = await (await browser.fetch('/api/v1/uploads')).json()
    expect(list.uploads.map((u: Upload) => u.id)).toContain(first.upload.id)

    const token = await browser.fetch(`/api/v1/uploads/${first.upload.id}/token`, { method: 'POST' })
    expect(token.status).toBe(200)
    const renewed = await token.json()
    expect(renewed.token).toMatch(/^ey/)
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now())

    const cancel = await browser.fetch(`/api/v1/uploads/${first.upload.id}`, { method: 'DELETE' })
    expect(cancel.status).toBe(200)
    expect((await cancel.json()).status).toBe('cancelled')
    expect(
      (await (await browser.fetch('/api/v1/uploads')).json()).uploads.map((u: Upload) => u.id),
    ).not.toContain(first.upload.id)
  })

  it('reports the caller’s storage (complete files, unfinished uploads) against the quota', async () => {
    const signedOut = await new HttpBrowser(suite.system.gatewayUrl).fetch('/api/v1/me/usage')
    expect(signedOut.status).toBe(401)
    expect((await signedOut.json()).error.code).toBe('UNAUTHENTICATED')

    const browser = await signedIn()
    const quotaBytes = 1024 ** 4 // the sessions service's default USER_QUOTA_BYTES
    const empty = await browser.fetch('/api/v1/me/usage')
    expect(empty.status).toBe(200)
    expect(empty.headers.get('cache-control')).toBe('no-store')
    expect(await empty.json()).toEqual({ usedBytes: 0, pendingBytes: 0, quotaBytes })

    await storedFile(browser, randomBytes(3000), 'kept.bin')
    expect((await createUpload(browser, randomBytes(1000), 'pending.bin')).status).toBe(201)
    expect(await (await browser.fetch('/api/v1/me/usage')).json()).toEqual({
      usedBytes: 3000,
      pendingBytes: 1000,
      quotaBytes,
    })
  })

  it('answers duplicate for a file this user already has, without any bytes', async () => {
    const browser = await signedIn()
    const bytes = randomBytes(2048)
    const file = await storedFile(browser, bytes, 'one.txt')
    const dup = await createUpload(browser, bytes, 'copy.txt')
    expect(dup.status).toBe(200)
    expect(await dup.json()).toEqual({ result: 'duplicate', file })
  })

  it('streams heartbeats and ends the event stream when the upload is cancelled', async () => {
    const browser = await signedIn()
    const created: Created = await (await createUpload(browser, randomBytes(10))).json()
    const events = await browser.fetch(`/api/v1/uploads/${created.upload.id}/events`)
    const seen: string[] = []
    let cancelled = false
    for await (const ev of readSse(events)) {
      seen.push(ev.event === 'upload' ? JSON.parse(ev.data).status : ev.event)
      if (ev.event === ':' && !cancelled) {
        cancelled = true
        expect(
          (await browser.fetch(`/api/v1/uploads/${created.upload.id}`, { method: 'DELETE' })).status,
        ).toBe(200)
      }
    }
    expect(seen[0]).toBe('created')
    expect(seen).toContain(':')
    expect(seen.at(-1)).toBe('cancelled')
  })

  it('validates the creation body and ids', async () => {
    const browser = await signedIn()
    const bad = await browser.fetch('/api/v1/uploads', {
      method: 'POST',
      body: { fileName: '', fileSize: -1 },
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('VALIDATION_FAILED')
    const hash = await browser.fetch('/api/v1/uploads', {
      method: 'POST',
      body: { fileName: 'a', fileSize: 1, contentHash: 'XYZ' },
    })
    expect((await hash.json()).error.message).toBe(
      'invalid body: contentHash: contentHash must be 64 lowercase hex characters',
    )
    // A right-to-left override hides a name's real extension ("invoice‮fdp.exe" shows as invoiceexe.pdf).
    for (const fileName of ['invoice\u202Efdp.exe', 'a\u0085b', 'zero\u200Bwidth']) {
      const spoofed = await browser.fetch('/api/v1/uploads', {
        method: 'POST',
        body: { fileName, fileSize: 1 },
      })
      expect(spoofed.status).toBe(400)
      expect((await spoofed.json()).error).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'invalid body: fileName: file name must not contain control or format characters',
        details: {
          issues: [{ field: 'fileName', message: 'file name must not contain control or format characters' }],
        },
      })
    }
    const missing = await browser.fetch('/api/v1/uploads/00000000-0000-4000-8000-000000000000')
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.code).toBe('NOT_FOUND')
  })

  it('answers a retried creation with the same Idempotency-Key with the same upload', async () => {
    const browser = await signedIn()
    const key = crypto.randomUUID()
    const body = { fileName: 'retried.bin', fileSize: 10 }
    const create = () =>
      browser.fetch('/api/v1/uploads', { method: 'POST', body, headers: { 'idempotency-key': key } })
    const first = await create()
    const retry = await create()
    expect([first.status, retry.status]).toEqual([201, 201])
    const id = (await first.json()).upload.id
    expect((await retry.json()).upload.id).toBe(id)
    const listed = await (await browser.fetch('/api/v1/uploads')).json()
    expect(listed.uploads.filter((u: Upload) => u.fileName === 'retried.bin')).toHaveLength(1)
    const reused = await browser.fetch('/api/v1/uploads', {
      method: 'POST',
      body: { fileName: 'other.bin', fileSize: 10 },
      headers: { 'idempotency-key': key },
    })
    expect(reused.status).toBe(409)
    expect((await reused.json()).error).toMatchObject({
      code: 'CONFLICT',
      message: 'this Idempotency-Key was used for another upload',
    })
    const bad = await browser.fetch('/api/v1/uploads', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': 'has spaces in it' },
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toBe(
      'invalid headers: idempotency-key: Idempotency-Key must be 1-255 visible ASCII characters',
    )
  })

  it('limits upload creation per user with 429 and Retry-After', async () => {
    const browser = await signedIn()
    let last: JsonResponse | undefined
    const statuses: number[] = []
    for (let i = 0; i < 13; i++) {
      last = await createUpload(browser, randomBytes(16), `f${i}`, false)
      statuses.push(last.status)
    }
    expect(statuses.slice(0, 12).every((s) => s === 201)).toBe(true)
    expect(statuses[12]).toBe(429)
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await last?.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: 'too many uploads started; slow down' },
    })
    // Another user is not affected.
    expect((await createUpload(await signedIn(), randomBytes(16), 'other', false)).status).toBe(201)
  })
})

describe('ownership', () => {
  it("user B can neither see, download, cancel nor delete user A's uploads or files", async () => {
    const alice = await signedIn()
    const bob = await signedIn()
    const file = await storedFile(alice, randomBytes(4096), 'alice.txt')
    const pending: Created = await (await createUpload(alice, randomBytes(100), 'pending.bin')).json()

    const notFound = async (res: Promise<JsonResponse>, what: string) => {
      const r = await res.catch((err: unknown) => {
        throw new Error(`${what}: ${String(err)}`)
      })
      expect({ what, status: r.status }).toEqual({ what, status: 404 })
      expect((await r.json()).error.code).toBe('NOT_FOUND')
    }
    await notFound(
      bob.fetch(`/api/v1/uploads/${pending.upload.id}`),
      `GET /api/v1/uploads/${pending.upload.id}`,
    )
    await notFound(
      bob.fetch(`/api/v1/uploads/${pending.upload.id}/events`),
      `GET /api/v1/uploads/${pending.upload.id}/events`,
    )
    await notFound(
      bob.fetch(`/api/v1/uploads/${pending.upload.id}/token`, { method: 'POST' }),
      `POST /api/v1/uploads/${pending.upload.id}/token`,
    )
    await notFound(
      bob.fetch(`/api/v1/uploads/${pending.upload.id}`, { method: 'DELETE' }),
      `DELETE /api/v1/uploads/${pending.upload.id}`,
    )
    await notFound(bob.fetch(`/api/v1/files/${file.id}`), `GET /api/v1/files/${file.id}`)
    await notFound(bob.fetch(`/api/v1/files/${file.id}/download`), `GET /api/v1/files/${file.id}/download`)
    await notFound(
      bob.fetch(`/api/v1/files/${file.id}`, { method: 'DELETE' }),
      `DELETE /api/v1/files/${file.id}`,
    )
    expect((await (await bob.fetch('/api/v1/files')).json()).files).toEqual([])
    expect((await (await bob.fetch('/api/v1/uploads')).json()).uploads).toEqual([])
    const forbidden = await bob.fetch('/api/v1/files?all=true')
    expect(forbidden.status).toBe(403)

    // Alice still has everything.
    expect((await alice.fetch(`/api/v1/uploads/${pending.upload.id}`)).status).toBe(200)
    expect((await download(alice, file.id)).object.status).toBe(200)
  })

  it('lets an admin list every file and delete another user’s file', async () => {
    const carol = await signedIn()
    const file = await storedFile(carol, randomBytes(3000), 'carol.txt')
    expect((await (await carol.fetch('/api/v1/files')).json()).files).toHaveLength(1)
    const admin = await signedIn(ADMIN)
    // Admin only once the listed address is confirmed: follow the emailed link, then renew the tokens.
    expect((await admin.fetch('/api/v1/files?all=true&limit=200')).status).toBe(403)
    const [mail] = await new Mailbox().waitForMessages(ADMIN, { subject: /Confirm/ })
    const token = Mailbox.link(mail as CaughtMail, 'http://web.test/verify-email?token=').searchParams.get(
      'token',
    )
    expect((await admin.fetch('/api/v1/auth/verify-email', { method: 'POST', body: { token } })).status).toBe(
      200,
    )
    expect((await admin.fetch('/api/v1/auth/refresh', { method: 'POST' })).status).toBe(200)
    const all = await admin.fetch('/api/v1/files?all=true&limit=200')
    expect(all.status).toBe(200)
    expect((await all.json()).files.map((f: FileRecord) => f.id)).toContain(file.id)
    expect((await admin.fetch(`/api/v1/files/${file.id}`, { method: 'DELETE' })).status).toBe(204)
    // The owner's cached list was invalidated too.
    expect((await (await carol.fetch('/api/v1/files')).json()).files).toEqual([])
  })

  it('caches the files list per user and invalidates it on change', async () => {
    const dave = await signedIn()
    const first = await dave.fetch('/api/v1/files')
    expect(first.headers.get('x-cache')).toBe('miss')
    expect((await dave.fetch('/api/v1/files')).headers.get('x-cache')).toBe('hit')
    const file = await storedFile(dave, randomBytes(500), 'dave.txt')
    const after = await dave.fetch('/api/v1/files')
    expect(after.headers.get('x-cache')).toBe('miss')
    expect((await after.json()).files.map((f: FileRecord) => f.id)).toEqual([file.id])
    // Pagination: following every cursor visits each file once and ends with a null cursor.
    const seen: string[] = []
    let cursor: string | null = null
    for (let pages = 0; pages < 5; pages++) {
      const page = await (
        await dave.fetch(`/api/v1/files?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).json()
      seen.push(...page.files.map((f: FileRecord) => f.id))
      cursor = page.nextCursor
      if (cursor === null) break
    }
    expect(cursor).toBeNull()
    expect(seen).toEqual([file.id])
  })
})
