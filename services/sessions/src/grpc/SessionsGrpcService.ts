import type * as grpc from '@grpc/grpc-js'
import { isTransientAwsError } from '@lfusys/aws'
import { CALLER_TOKEN_METADATA, type CallerTokenKey, verifyCallerToken } from '@lfusys/caller-token'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import {
  type CreateUploadResponse,
  type DeleteFileResponse,
  type DownloadUrl,
  type FileInfo,
  type ListFilesResponse,
  type ListUploadsResponse,
  type SessionsHandlers,
  toGrpcStatus,
  type UploadSession,
  type UploadToken,
  type Usage,
} from '@lfusys/proto'
import type { FileService } from '../files/FileService.ts'
import type { TusService } from '../tus/TusService.ts'
import { tusHandlers } from '../tus/tusHandlers.ts'
import type { SessionService } from '../uploads/SessionService.ts'
import {
  callerRequestSchema,
  createUploadSchema,
  fileRequestSchema,
  listFilesSchema,
  parseRequest,
  toCaller,
  toFileInfo,
  toUploadSession,
  uploadRequestSchema,
} from './messages.ts'

export interface SessionsGrpcDeps {
  sessions: SessionService
  files: FileService
  log: Logger
  uploadsPublicUrl: string
  watchPollIntervalMs: number
  /** Aborted when the server shuts down: open WatchUpload streams end with UNAVAILABLE. */
  shutdown?: AbortSignal
  /** Keys of the gateway's caller tokens: the only source of a call's identity and role. */
  callerKeys: readonly CallerTokenKey[]
  /** The tus 1.0 state RPCs (tus/). */
  tus: TusService
}

/**
 * The gRPC edge: parse and validate, call a feature, map the answer or the AppError (one table,
 * shared with the gateway's client). Unexpected errors are logged here and leave as INTERNAL.
 */
export function sessionsHandlers(deps: SessionsGrpcDeps): SessionsHandlers {
  const { sessions, files, log } = deps
  const session = (r: Parameters<typeof toUploadSession>[0]) => toUploadSession(r, deps.uploadsPublicUrl)

  /**
   * The request with its `caller` replaced by the one the gateway's token names: whatever a request
   * says about its caller is never believed (a process that reaches this port without a key is
   * UNAUTHENTICATED).
   */
  async function authenticated(call: { request: unknown; metadata: grpc.Metadata }) {
    const [header] = call.metadata.get(CALLER_TOKEN_METADATA)
    const caller = await verifyCallerToken(deps.callerKeys, typeof header === 'string' ? header : undefined)
    return { ...(call.request as object), caller }
  }

  function unary<Req, Res>(method: string, fn: (request: Req) => Promise<Res>) {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      authenticated(call)
        .then((request) => fn(request as Req))
        .then(
          (value) => callback(null, value),
          (err: unknown) => {
            // A dependency that refuses, stalls or throttles is UNAVAILABLE (503 at the gateway), not a bug.
            if (isTransientAwsError(err)) {
              log.warn(
                { method, cause: err instanceof Error ? err.message : String(err) },
                'dependency unavailable',
              )
              callback(
                toGrpcStatus(
                  new AppError('UNAVAILABLE', 'storage is temporarily unavailable', {
                    cause: err,
                    retryAfterSeconds: 2,
                  }),
                ),
              )
              return
            }
            const status = toGrpcStatus(err)
            if (status.code === 13 || status.code === 14) log.error({ err, method }, 'sessions call failed')
            callback(status)
          },
        )
    }
  }

  return {
    CreateUpload: unary('CreateUpload', async (request): Promise<CreateUploadResponse> => {
      const input = parseRequest(createUploadSchema, request)
      const result = await sessions.create(toCaller(input.caller), {
        fileName: input.fileName,
        fileSize: input.fileSize,
        contentType: input.contentType,
        contentHash: input.contentHash,
        idempotencyKey: input.idempotencyKey,
      })
      if (result.kind === 'duplicate') return { duplicate: toFileInfo(result.file) }
      return {
        upload: {
          session: session(result.upload),
          uploadToken: { token: result.token.token, expiresAtMs: result.token.expiresAt.getTime() },
          resumed: result.resumed,
        },
      }
    }),

    GetUpload: unary('GetUpload', async (request): Promise<UploadSession> => {
      const input = parseRequest(uploadRequestSchema, request)
      return session(await sessions.get(toCaller(input.caller), input.uploadId))
    }),

    ListUploads: unary('ListUploads', async (request): Promise<ListUploadsResponse> => {
      const input = parseRequest(callerRequestSchema, request)
      return { uploads: (await sessions.listActive(toCaller(input.caller))).map(session) }
    }),

    CancelUpload: unary('CancelUpload', async (request): Promise<UploadSession> => {
      const input = parseRequest(uploadRequestSchema, request)
      return session(await sessions.cancel(toCaller(input.caller), input.uploadId))
    }),

    CompleteUpload: unary('CompleteUpload', async (request): Promise<UploadSession> => {
      const input = parseRequest(uploadRequestSchema, request)
      return session(await sessions.complete(toCaller(input.caller), input.uploadId))
    }),

    RenewUploadToken: unary('RenewUploadToken', async (request): Promise<UploadToken> => {
      const input = parseRequest(uploadRequestSchema, request)
      const token = await sessions.renewToken(toCaller(input.caller), input.uploadId)
      return { token: token.token, expiresAtMs: token.expiresAt.getTime() }
    }),

    WatchUpload: (call: grpc.ServerWritableStream<unknown, UploadSession>) => {
      const abort = new AbortController()
      const clientGone = () => abort.abort()
      call.on('cancelled', clientGone)
      // On shutdown, streams end with UNAVAILABLE so the gateway re-watches through another instance.
      const onShutdown = () => {
        fail(new AppError('UNAVAILABLE', 'sessions is shutting down', { retryAfterSeconds: 1 }))
        abort.abort()
      }
      deps.shutdown?.addEventListener('abort', onShutdown, { once: true })
      let finished = false
      const fail = (err: unknown) => {
        if (finished || abort.signal.aborted) return
        finished = true
        const status = toGrpcStatus(err)
        if (status.code === 13) log.error({ err }, 'WatchUpload failed')
        call.emit('error', status)
      }
      const run = async () => {
        const input = parseRequest(uploadRequestSchema, await authenticated(call))
        for await (const record of sessions.watch(
          toCaller(input.caller),
          input.uploadId,
          deps.watchPollIntervalMs,
          abort.signal,
        )) {
          if (abort.signal.aborted) return
          call.write(session(record))
        }
      }
      run()
        .then(() => {
          if (!finished && !abort.signal.aborted) {
            finished = true
            call.end()
          }
        }, fail)
        .finally(() => deps.shutdown?.removeEventListener('abort', onShutdown))
    },

    ListFiles: unary('ListFiles', async (request): Promise<ListFilesResponse> => {
      const input = parseRequest(listFilesSchema, request)
      const caller = toCaller(input.caller)
      const page = await files.list(caller, {
        limit: input.limit === 0 ? 50 : input.limit,
        all: input.all,
        cursor: input.cursor,
      })
      return { files: page.files.map(toFileInfo), nextCursor: page.nextCursor }
    }),

    GetFile: unary('GetFile', async (request): Promise<FileInfo> => {
      const input = parseRequest(fileRequestSchema, request)
      return toFileInfo(await files.get(toCaller(input.caller), input.fileId))
    }),

    DeleteFile: unary('DeleteFile', async (request): Promise<DeleteFileResponse> => {
      const input = parseRequest(fileRequestSchema, request)
      await files.delete(toCaller(input.caller), input.fileId)
      return {}
    }),

    GetDownloadUrl: unary('GetDownloadUrl', async (request): Promise<DownloadUrl> => {
      const input = parseRequest(fileRequestSchema, request)
      const out = await files.downloadUrl(toCaller(input.caller), input.fileId)
      return { url: out.url, expiresAtMs: out.expiresAt }
    }),

    GetUsage: unary('GetUsage', async (request): Promise<Usage> => {
      const input = parseRequest(callerRequestSchema, request)
      return sessions.usage(toCaller(input.caller))
    }),

    ...tusHandlers(deps.tus, unary, session),
  }
}
