import {
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js'
import { CALLER_TOKEN_METADATA, type CallerTokenKey, callerAuthorization } from '@lfusys/caller-token'
import { AppError } from '@lfusys/errors'
import {
  type CreateUploadResponse__Output,
  createSessionsClient,
  type DownloadUrl__Output,
  dependencyHealthName,
  type FileInfo__Output,
  fromGrpcError,
  type ListFilesResponse__Output,
  type ListUploadsResponse__Output,
  SESSIONS_DEPENDENCIES,
  type SessionsClient,
  type TusState__Output,
  type UploadSession__Output,
  type UploadToken__Output,
  type Usage__Output,
} from '@lfusys/proto'
import type { TusLock, TusState, TusStateApi } from '../tus/types.ts'
import {
  type Caller,
  type CreateUploadInput,
  type CreateUploadOutcome,
  DependenciesDownError,
  type DependencyStatus,
  type FilePage,
  type FileRecord,
  type SessionsApi,
  type SessionsHealth,
  type StorageUsage,
  type Upload,
  type UploadWatch,
} from '../uploads/types.ts'
import {
  iso,
  protoCaller,
  sessionsChannelOptions,
  sessionsChannelTarget,
  toFile,
  toTusState,
  toUpload,
} from './sessionsWire.ts'

/**
 * Sessions behind gRPC. Every unary call has a deadline; every failure comes back as the AppError the
 * server raised (shared status table in @lfusys/proto), and transport failures as UNAVAILABLE.
 */
export class SessionsGrpcClient implements SessionsApi, TusStateApi {
  private readonly client: SessionsClient
  private readonly deadlineMs: number

  private readonly callerKeys: readonly CallerTokenKey[]

  constructor(address: string, deadlineMs: number, callerKeys: readonly CallerTokenKey[]) {
    this.client = createSessionsClient(sessionsChannelTarget(address), undefined, {
      ...sessionsChannelOptions,
    })
    this.deadlineMs = deadlineMs
    this.callerKeys = callerKeys
  }

  async createUpload(caller: Caller, input: CreateUploadInput): Promise<CreateUploadOutcome> {
    const res = await this.unary<CreateUploadResponse__Output>(caller, (md, o, cb) =>
      this.client.createUpload(
        {
          caller: protoCaller(caller),
          fileName: input.fileName,
          fileSize: input.fileSize,
          contentType: input.contentType,
          ...(input.contentHash ? { contentHash: input.contentHash } : {}),
          ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        },
        md,
        o,
        cb,
      ),
    )
    if (res.result === 'duplicate' && res.duplicate)
      return { result: 'duplicate', file: toFile(res.duplicate) }
    const started = res.upload
    if (!started?.session || !started.uploadToken) {
      throw new AppError('INTERNAL', 'the sessions service sent an incomplete answer')
    }
    return {
      result: started.resumed ? 'resumed' : 'created',
      upload: toUpload(started.session),
      uploadToken: { token: started.uploadToken.token, expiresAt: iso(started.uploadToken.expiresAtMs) },
    }
  }

  async getUpload(caller: Caller, uploadId: string): Promise<Upload> {
    return toUpload(
      await this.unary<UploadSession__Output>(caller, (md, o, cb) =>
        this.client.getUpload({ caller: protoCaller(caller), uploadId }, md, o, cb),
      ),
    )
  }

  async listUploads(caller: Caller): Promise<Upload[]> {
    const res = await this.unary<ListUploadsResponse__Output>(caller, (md, o, cb) =>
      this.client.listUploads({ caller: protoCaller(caller) }, md, o, cb),
    )
    return res.uploads.map(toUpload)
  }

  async cancelUpload(caller: Caller, uploadId: string): Promise<Upload> {
    return toUpload(
      await this.unary<UploadSession__Output>(caller, (md, o, cb) =>
        this.client.cancelUpload({ caller: protoCaller(caller), uploadId }, md, o, cb),
      ),
    )
  }

  async completeUpload(caller: Caller, uploadId: string): Promise<Upload> {
    return toUpload(
      await this.unary<UploadSession__Output>(caller, (md, o, cb) =>
        this.client.completeUpload({ caller: protoCaller(caller), uploadId }, md, o, cb),
      ),
    )
  }

  watchUpload(caller: Caller, uploadId: string): UploadWatch {
    let call: ClientReadableStream<UploadSession__Output> | undefined
    let closed = false
    const metadata = this.metadata(caller)
    return {
      close() {
        closed = true
        call?.cancel()
      },
      [Symbol.asyncIterator]: async function* (this: SessionsGrpcClient) {
        try {
          call = this.client.watchUpload({ caller: protoCaller(caller), uploadId }, await metadata)
          if (closed) call.cancel()
          for await (const message of call) yield toUpload(message as UploadSession__Output)
        } catch (err) {
          // Our own cancel ends the stream with CANCELLED: that is a normal end, not a failure.
          if (closed && isStatus(err, status.CANCELLED)) return
          throw grpcError(err)
        }
      }.bind(this),
    }
  }

  async renewUploadToken(caller: Caller, uploadId: string) {
    const res = await this.unary<UploadToken__Output>(caller, (md, o, cb) =>
      this.client.renewUploadToken({ caller: protoCaller(caller), uploadId }, md, o, cb),
    )
    return { token: res.token, expiresAt: iso(res.expiresAtMs) }
  }

  async listFiles(
    caller: Caller,
    query: { limit: number; cursor: string | undefined; all: boolean },
  ): Promise<FilePage> {
    const res = await this.unary<ListFilesResponse__Output>(caller, (md, o, cb) =>
      this.client.listFiles(
        { caller: protoCaller(caller), limit: query.limit, cursor: query.cursor ?? '', all: query.all },
        md,
        o,
        cb,
      ),
    )
    return { files: res.files.map(toFile), nextCursor: res.nextCursor || null }
  }

  async getFile(caller: Caller, fileId: string): Promise<FileRecord> {
    return toFile(
      await this.unary<FileInfo__Output>(caller, (md, o, cb) =>
        this.client.getFile({ caller: protoCaller(caller), fileId }, md, o, cb),
      ),
    )
  }

  async deleteFile(caller: Caller, fileId: string): Promise<void> {
    await this.unary<object>(caller, (md, o, cb) =>
      this.client.deleteFile({ caller: protoCaller(caller), fileId }, md, o, cb),
    )
  }

  async downloadUrl(caller: Caller, fileId: string) {
    const res = await this.unary<DownloadUrl__Output>(caller, (md, o, cb) =>
      this.client.getDownloadUrl({ caller: protoCaller(caller), fileId }, md, o, cb),
    )
    return { url: res.url, expiresAt: iso(res.expiresAtMs) }
  }

  async usage(caller: Caller): Promise<StorageUsage> {
    const res = await this.unary<Usage__Output>(caller, (md, o, cb) =>
      this.client.getUsage({ caller: protoCaller(caller) }, md, o, cb),
    )
    return {
      usedBytes: res.usedBytes,
      pendingBytes: res.pendingBytes,
      quotaBytes: res.quotaBytes > 0 ? res.quotaBytes : null,
    }
  }

  async startTusUpload(caller: Caller, uploadId: string): Promise<TusState> {
    return toTusState(
      await this.unary<TusState__Output>(caller, (md, o, cb) =>
        this.client.startTusUpload({ caller: protoCaller(caller), uploadId }, md, o, cb),
      ),
    )
  }

  async getTusState(caller: Caller, uploadId: string): Promise<TusState> {
    return toTusState(
      await this.unary<TusState__Output>(caller, (md, o, cb) =>
        this.client.getTusState({ caller: protoCaller(caller), uploadId }, md, o, cb),
      ),
    )
  }

  async lockTusUpload(caller: Caller, lock: TusLock & { offset: number }): Promise<TusState> {
    return toTusState(
      await this.unary<TusState__Output>(caller, (md, o, cb) =>
        this.client.lockTusUpload({ caller: protoCaller(caller), ...lock }, md, o, cb),
      ),
    )
  }

  async advanceTusUpload(
    caller: Caller,
    lock: TusLock & { fromOffset: number; toOffset: number; stagingKey: string; unlock?: boolean },
  ): Promise<TusState> {
    return toTusState(
      await this.unary<TusState__Output>(caller, (md, o, cb) =>
        this.client.advanceTusUpload({ caller: protoCaller(caller), ...lock }, md, o, cb),
      ),
    )
  }

  async unlockTusUpload(caller: Caller, lock: Omit<TusLock, 'leaseMs'>): Promise<void> {
    await this.unary<TusState__Output>(caller, (md, o, cb) =>
      this.client.unlockTusUpload({ caller: protoCaller(caller), ...lock, offset: 0, leaseMs: 0 }, md, o, cb),
    )
  }

  /**
   * Asks the standard grpc.health.v1 service for the process (`""`) and for each dependency the
   * sessions service reports (`lfusys.sessions.v1.Sessions/<dependency>`). A server without the
   * health service still proves it is up by answering UNIMPLEMENTED (its dependencies are then
   * unknown). A transport failure or NOT_SERVING for the process rejects; a dependency reported
   * NOT_SERVING rejects with DependenciesDownError naming it.
   */
  async ping(timeoutMs: number): Promise<SessionsHealth> {
    const deadline = Date.now() + timeoutMs
    const [process, ...states] = await Promise.all([
      this.healthCheck('', deadline),
      ...SESSIONS_DEPENDENCIES.map((d) => this.healthCheck(dependencyHealthName(d), deadline)),
    ])
    if (process === 'unimplemented') return { dependencies: {} }
    if (process !== 'SERVING') throw new AppError('UNAVAILABLE', 'the sessions service is not serving')
    const dependencies: Record<string, DependencyStatus> = {}
    SESSIONS_DEPENDENCIES.forEach((name, i) => {
      const state = states[i]
      dependencies[name] = state === 'SERVING' ? 'up' : state === 'NOT_SERVING' ? 'down' : 'unknown'
    })
    if (Object.values(dependencies).includes('down')) throw new DependenciesDownError(dependencies)
    return { dependencies }
  }

  private healthCheck(
    service: string,
    deadline: number,
  ): Promise<'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'unimplemented'> {
    // HealthCheckRequest { string service = 1 } (names are short: one length byte).
    const name = Buffer.from(service, 'utf8')
    const request =
      name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name])
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => request,
        (buf: Buffer) => buf,
        {},
        { deadline },
        (err: ServiceError | null, value?: Buffer) => {
          if (err) {
            if (err.code === status.UNIMPLEMENTED) resolve('unimplemented')
            // An older server that does not report this dependency.
            else if (err.code === status.NOT_FOUND) resolve('UNKNOWN')
            else reject(grpcError(err))
            return
          }
          // HealthCheckResponse { ServingStatus status = 1 }: 08 01 SERVING, 08 02 NOT_SERVING;
          // UNKNOWN (0) is the default and encodes as nothing.
          const code = value && value.length >= 2 && value[0] === 0x08 ? value[1] : 0
          resolve(code === 1 ? 'SERVING' : code === 2 ? 'NOT_SERVING' : 'UNKNOWN')
        },
      )
    })
  }

  close(): void {
    this.client.close()
  }

  /** Signs the caller's token for this one call: the sessions service believes nothing else. */
  private async metadata(caller: Caller): Promise<Metadata> {
    const md = new Metadata()
    md.set(CALLER_TOKEN_METADATA, await callerAuthorization(this.callerKeys, caller))
    return md
  }

  private async unary<T>(
    caller: Caller,
    start: (
      metadata: Metadata,
      options: CallOptions,
      callback: (err: ServiceError | null, value?: T) => void,
    ) => ClientUnaryCall,
  ): Promise<T> {
    const metadata = await this.metadata(caller)
    return new Promise((resolve, reject) => {
      start(metadata, { deadline: Date.now() + this.deadlineMs }, (err, value) => {
        if (err) reject(grpcError(err))
        else if (value === undefined) reject(new AppError('INTERNAL', 'the sessions service sent no answer'))
        else resolve(value)
      })
    })
  }
}

function isStatus(err: unknown, code: status): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}

/**
 * The server's own AppErrors pass through; transport failures (no connection, deadline) keep their
 * code but get a message that names nothing internal, and a retry hint.
 */
function grpcError(err: unknown): AppError {
  const mapped = fromGrpcError(err)
  if (mapped.code === 'UNAVAILABLE' && mapped.message.startsWith('sessions service:')) {
    return new AppError('UNAVAILABLE', 'the upload service is temporarily unavailable', {
      cause: err,
      retryAfterSeconds: mapped.retryAfterSeconds ?? 2,
    })
  }
  return mapped
}
