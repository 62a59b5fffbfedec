import type * as grpc from '@grpc/grpc-js'
import type { SessionsHandlers, TusState } from '@lfusys/proto'
import { z } from 'zod'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import { parseRequest, toCaller } from '../grpc/messages.ts'
import type { TusService, TusView } from './TusService.ts'

const callerSchema = z.object({ userId: z.string().min(1).max(128), isAdmin: z.boolean() })
const uploadId = z.uuid({ error: 'upload_id must be a UUID' })
const lockId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'lock_id must be 8-64 url-safe characters')
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const stagingKey = z.string().max(512)

const uploadSchema = z.object({ caller: callerSchema, uploadId })
const lockSchema = z.object({
  caller: callerSchema,
  uploadId,
  lockId,
  offset,
  leaseMs: z.number().int().min(0),
})
const advanceSchema = z.object({
  caller: callerSchema,
  uploadId,
  lockId,
  fromOffset: offset,
  toOffset: offset,
  stagingKey,
  leaseMs: z.number().int().min(0),
  unlock: z.boolean().default(false),
})

type Unary = <Req, Res>(
  method: string,
  fn: (request: Req) => Promise<Res>,
) => (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void

type TusHandlers = Pick<
  SessionsHandlers,
  'StartTusUpload' | 'GetTusState' | 'LockTusUpload' | 'AdvanceTusUpload' | 'UnlockTusUpload'
>

/** The tus RPCs, wrapped by the service's own `unary` (caller token, error mapping). */
export function tusHandlers(
  tus: TusService,
  unary: Unary,
  toSession: (record: UploadRecord) => NonNullable<TusState['session']>,
): TusHandlers {
  const view = (v: TusView): TusState => ({
    session: toSession(v.session),
    offset: v.state.offset,
    stagingKey: v.state.stagingKey,
    lockId: v.state.lockId,
    lockExpiresAtMs: v.state.lockExpiresAt,
  })
  return {
    StartTusUpload: unary('StartTusUpload', async (request: unknown): Promise<TusState> => {
      const input = parseRequest(uploadSchema, request)
      return view(await tus.start(toCaller(input.caller), input.uploadId))
    }),
    GetTusState: unary('GetTusState', async (request: unknown): Promise<TusState> => {
      const input = parseRequest(uploadSchema, request)
      return view(await tus.get(toCaller(input.caller), input.uploadId))
    }),
    LockTusUpload: unary('LockTusUpload', async (request: unknown): Promise<TusState> => {
      const input = parseRequest(lockSchema, request)
      return view(await tus.lock(toCaller(input.caller), input))
    }),
    AdvanceTusUpload: unary('AdvanceTusUpload', async (request: unknown): Promise<TusState> => {
      const input = parseRequest(advanceSchema, request)
      return view(await tus.advance(toCaller(input.caller), input))
    }),
    UnlockTusUpload: unary('UnlockTusUpload', async (request: unknown): Promise<TusState> => {
      const input = parseRequest(lockSchema.pick({ caller: true, uploadId: true, lockId: true }), request)
      return view(await tus.unlock(toCaller(input.caller), input))
    }),
  }
}
