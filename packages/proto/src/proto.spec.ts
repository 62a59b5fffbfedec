import * as grpc from '@grpc/grpc-js'
import { AppError, errorCodes } from '@lfusys/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSessionsClient,
  DOMAIN_STATUSES,
  domainStatusOf,
  type FileInfo__Output,
  fromGrpcError,
  GRPC_STATUS_BY_CODE,
  protoStatusOf,
  type SessionsClient,
  sessionsServiceDefinition,
  toGrpcStatus,
} from './index.ts'

describe('error mapping', () => {
  it('gives every AppError code a real status, never UNKNOWN or OK', () => {
    for (const code of errorCodes) {
      expect(GRPC_STATUS_BY_CODE[code]).not.toBe(grpc.status.UNKNOWN)
      expect(GRPC_STATUS_BY_CODE[code]).not.toBe(grpc.status.OK)
    }
    expect(GRPC_STATUS_BY_CODE.QUOTA_EXCEEDED).toBe(grpc.status.RESOURCE_EXHAUSTED)
    expect(GRPC_STATUS_BY_CODE.FORBIDDEN).toBe(grpc.status.PERMISSION_DENIED)
  })

  it('hides the message of unexpected errors', () => {
    const out = toGrpcStatus(new Error('db password is hunter2'))
    expect(out.code).toBe(grpc.status.INTERNAL)
    expect(out.details).toBe('internal error')
  })

  it('maps statuses without the trailer by the table', () => {
    const err = Object.assign(new Error('x'), {
      code: grpc.status.UNAVAILABLE,
      details: 'No connection established',
      metadata: new grpc.Metadata(),
    })
    const app = fromGrpcError(err)
    expect(app.code).toBe('UNAVAILABLE')
    expect(app.message).toBe('sessions service: No connection established')
  })

  it('round-trips statuses', () => {
    for (const status of DOMAIN_STATUSES) expect(domainStatusOf(protoStatusOf(status))).toBe(status)
    expect(() => domainStatusOf('UPLOAD_STATUS_UNSPECIFIED')).toThrow()
  })
})

describe('sessions contract over a real channel', () => {
  let server: grpc.Server
  let client: SessionsClient

  beforeAll(async () => {
    server = new grpc.Server()
    server.addService(sessionsServiceDefinition(), {
      GetFile(
        call: grpc.ServerUnaryCall<{ fileId: string }, FileInfo__Output>,
        callback: grpc.sendUnaryData<FileInfo__Output>,
      ) {
        if (call.request.fileId === 'missing') {
          callback(
            toGrpcStatus(
              new AppError('QUOTA_EXCEEDED', 'storage quota exceeded', {
                details: { quotaBytes: 10 },
                retryAfterSeconds: 5,
              }),
            ),
          )
          return
        }
        callback(null, {
          fileId: call.request.fileId,
          name: 'a.bin',
          size: 2 ** 40,
          contentType: 'application/octet-stream',
          contentHash: 'ab'.repeat(32),
          ownerId: 'u1',
          createdAtMs: 1_700_000_000_000,
          integrityCheck: 'INTEGRITY_CHECK_READ_BACK',
        })
      },
    })
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    )
    client = createSessionsClient(`127.0.0.1:${port}`)
  })

  afterAll(() => {
    client?.close()
    server?.forceShutdown()
  })

  it('carries 64-bit sizes as numbers and enums as names', async () => {
    const file = await new Promise<FileInfo__Output | undefined>((resolve, reject) =>
      client.GetFile({ fileId: 'f1' }, (err, value) => (err ? reject(err) : resolve(value))),
    )
    expect(file).toMatchObject({ fileId: 'f1', size: 2 ** 40, integrityCheck: 'INTEGRITY_CHECK_READ_BACK' })
  })

  it('carries the exact AppError code, details and retry-after', async () => {
    const err = await new Promise<unknown>((resolve) =>
      client.GetFile({ fileId: 'missing' }, (e) => resolve(e)),
    )
    expect((err as grpc.ServiceError).code).toBe(grpc.status.RESOURCE_EXHAUSTED)
    const app = fromGrpcError(err)
    expect(app).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: 'storage quota exceeded',
      details: { quotaBytes: 10 },
      retryAfterSeconds: 5,
    })
  })
})
