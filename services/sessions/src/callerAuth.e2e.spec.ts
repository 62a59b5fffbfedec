import { Metadata } from '@grpc/grpc-js'
import { parseCallerTokenKeys, signCallerToken } from '@lfusys/caller-token'
import { fromGrpcError } from '@lfusys/proto'
import { TEST_SERVICE_TOKEN_KEYS } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, caller, createUpload, type Harness, startHarness } from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  h = await startHarness('caller-auth', {}, { consumer: false })
})
afterAll(async () => {
  await h?.close()
})

/** A raw call with the metadata a test chooses (the harness's `call` signs for the named caller). */
function rawListFiles(metadata: Metadata, request: Record<string, unknown>) {
  return new Promise<unknown>((resolve, reject) => {
    h.client.ListFiles(request, metadata, (err: Error | null, res?: unknown) =>
      err ? reject(fromGrpcError(err)) : resolve(res),
    )
  })
}

describe('who may call the sessions service', () => {
  it('refuses a call without a caller token, even one that names an admin', async () => {
    await expect(
      rawListFiles(new Metadata(), { caller: caller('root', true), all: true, limit: 10, cursor: '' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'the call carries no caller token' })
  })

  it('refuses a token signed with another key', async () => {
    const forged = new Metadata()
    const foreignKeys = parseCallerTokenKeys(`svc1:${'x'.repeat(48)}`)
    forged.set('authorization', `Bearer ${await signCallerToken(foreignKeys, caller('root', true))}`)
    await expect(
      rawListFiles(forged, { caller: caller('root', true), all: true, limit: 10, cursor: '' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'the caller token is invalid' })
  })

  it('takes identity and role from the token, never from the request', async () => {
    const victim = await createUpload(h, 'victim', { bytes: Buffer.alloc(10) })
    const uploadId = victim.upload?.session?.uploadId
    // Mallory's own token, with a request that claims to come from an admin and from the victim.
    const mallory = new Metadata()
    const keys = parseCallerTokenKeys(TEST_SERVICE_TOKEN_KEYS)
    mallory.set('authorization', `Bearer ${await signCallerToken(keys, caller('mallory'))}`)
    await expect(
      rawListFiles(mallory, { caller: caller('root', true), all: true, limit: 10, cursor: '' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(
      new Promise((resolve, reject) =>
        h.client.GetUpload(
          { caller: caller('victim'), uploadId },
          mallory,
          (err: Error | null, res?: unknown) => (err ? reject(fromGrpcError(err)) : resolve(res)),
        ),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // The victim, with the victim's token, still sees it.
    const own = await call<unknown, { uploadId: string }>(h.client, 'GetUpload', {
      caller: caller('victim'),
      uploadId,
    })
    expect(own.uploadId).toBe(uploadId)
  })
})
