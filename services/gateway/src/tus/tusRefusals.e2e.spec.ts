import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { waitFor } from '@lfusys/testing'
import { describe, expect, it } from 'vitest'
import { MiB, tusSuite } from '../testing/tusSuite.ts'
import type { Upload } from '../uploads/types.ts'

const t = tusSuite('gw-tus-refusals')
const {
  signedIn,
  errorOf,
  tus,
  create,
  patch,
  offsetOf,
  completed,
  downloaded,
  objectsUnder,
  chunkPrefix,
  uploadsTable,
} = t

describe('tus refusals', () => {
  it('a wrong Upload-Offset is 409 and a wrong Content-Type 415; the offset stays', async () => {
    const user = await signedIn()
    const { location } = await create(user, 100)
    const wrong = await patch(user, location, 7, randomBytes(10))
    expect(wrong.status).toBe(409)
    expect((await errorOf(wrong)).code).toBe('CONFLICT')
    const type = await tus(user, location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'upload-offset': '0' },
      body: randomBytes(10),
    })
    expect(type.status).toBe(415)
    expect(await offsetOf(user, location)).toBe(0)
  })

  it('a wrong Upload-Checksum is 460 and no byte of that PATCH is kept; a right one is stored', async () => {
    const user = await signedIn()
    const bytes = randomBytes(7 * MiB)
    const { location, id } = await create(user, bytes.length)
    const first = bytes.subarray(0, 6 * MiB + 10)
    const bad = await patch(user, location, 0, first, {
      'upload-checksum': `sha256 ${createHash('sha256').update('something else').digest('base64')}`,
    })
    expect(bad.status).toBe(460)
    expect((await errorOf(bad)).code).toBe('INTEGRITY_FAILED')
    expect(await offsetOf(user, location)).toBe(0)
    expect(await objectsUnder(chunkPrefix(id))).toEqual([])
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])

    const good = await patch(user, location, 0, first, {
      'upload-checksum': `sha256 ${createHash('sha256').update(first).digest('base64')}`,
    })
    expect(good.status).toBe(204)
    expect(await offsetOf(user, location)).toBe(first.length)
    const rest = bytes.subarray(first.length)
    const last = await patch(user, location, first.length, rest, {
      'upload-checksum': `sha1 ${createHash('sha1').update(rest).digest('base64')}`,
    })
    expect(last.status).toBe(204)
    const done = await completed(user, id)
    expect((await downloaded(user, done.fileId ?? '')).equals(bytes)).toBe(true)
  })

  it('termination: DELETE is 204, then the upload is gone and cancelled', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 5 * MiB)
    expect((await patch(user, location, 0, randomBytes(MiB))).status).toBe(204)
    const res = await tus(user, location, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect((await tus(user, location, { method: 'HEAD' })).status).toBe(404)
    expect((await patch(user, location, MiB, randomBytes(10))).status).toBe(404)
    const upload: Upload = await (await user.browser.fetch(`/api/v1/uploads/${id}`)).json()
    expect(upload.status).toBe('cancelled')
    expect(await objectsUnder(`tus-staging/${id}/`)).toEqual([])
  })

  it('expiration: Upload-Expires is announced; once past it, HEAD and PATCH are 410', async () => {
    const user = await signedIn()
    const { location, id } = await create(user, 1000)
    const head = await tus(user, location, { method: 'HEAD' })
    expect(Date.parse(head.headers.get('upload-expires') ?? '')).toBeGreaterThan(Date.now())
    // Time passes: the session's expiry moves into the past, as after SESSION_TTL_SECONDS of silence.
    await t.stack.clients.documents.send(
      new UpdateCommand({
        TableName: uploadsTable(),
        Key: { pk: `UPLOAD#${id}`, sk: 'SESSION' },
        UpdateExpression: 'SET expiresAt = :past, gsi2sk = :sweep',
        ExpressionAttributeValues: { ':past': Date.now() - 1000, ':sweep': '000000000000000' },
      }),
    )
    expect((await tus(user, location, { method: 'HEAD' })).status).toBe(410)
    const res = await patch(user, location, 0, randomBytes(10))
    expect(res.status).toBe(410)
    expect((await errorOf(res)).message).toContain('expired')
  })

  it("another user's upload URL is 404 for HEAD, PATCH and DELETE", async () => {
    const owner = await signedIn()
    const other = await signedIn()
    const { location } = await create(owner, 100)
    expect((await tus(other, location, { method: 'HEAD' })).status).toBe(404)
    expect((await patch(other, location, 0, randomBytes(10))).status).toBe(404)
    expect((await tus(other, location, { method: 'DELETE' })).status).toBe(404)
    expect(await offsetOf(owner, location)).toBe(0)
  })

  it('two concurrent PATCHes: while one holds the upload the other is refused', async () => {
    const user = await signedIn()
    const bytes = randomBytes(64 * 1024)
    const { location, id } = await create(user, bytes.length)
    const url = new URL(location, t.system.gatewayUrl)
    // The first PATCH sends half its body and then waits, holding the lock.
    const slow = httpRequest(url, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(bytes.length),
      },
    })
    const answer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      slow.on('error', reject)
    })
    slow.write(bytes.subarray(0, bytes.length / 2))
    await waitFor(
      async () => {
        const out = await t.stack.clients.documents.send(
          new GetCommand({
            TableName: uploadsTable(),
            Key: { pk: `UPLOAD#${id}`, sk: 'TUS' },
            ConsistentRead: true,
          }),
        )
        return typeof out.Item?.lockId === 'string' && out.Item.lockId !== ''
      },
      { what: 'the first PATCH to take the lock' },
    )
    const second = await patch(user, location, 0, bytes)
    expect([409, 423]).toContain(second.status)
    slow.end(bytes.subarray(bytes.length / 2))
    expect(await answer).toBe(204)
    expect(await offsetOf(user, location)).toBe(bytes.length)
  })
})
