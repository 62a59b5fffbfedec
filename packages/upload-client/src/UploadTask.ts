import {
  type ChunkPlan,
  chunkLength,
  chunkRange,
  contentHashFromDigests,
  formatContentDigest,
  fromHex,
  planChunks,
  toHex,
} from '@lfusys/contracts'
import { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy, retryDelay, sleep } from './backoff.ts'
import type { ChunkSource } from './ChunkSource.ts'
import {
  type ChunkTransport,
  fetchChunkTransport,
  retryingConnections,
  TransportError,
} from './ChunkTransport.ts'
import { errorFromResponse, isAbortError, isRetryable, UploadError } from './errors.ts'
import type { GatewayClient } from './GatewayClient.ts'
import { type ChunkHasher, hashChunksInline, sha256 } from './hashing.ts'
import { StoredRate } from './StoredRate.ts'
import { FINAL_STATUSES, type FileRecord, type ServerUpload, type UploadToken } from './types.ts'

export type UploadPhase =
  | 'idle'
  | 'hashing'
  | 'creating'
  | 'uploading'
  | 'paused'
  | 'finalizing'
  | 'complete'
  | 'duplicate'
  | 'failed'
  | 'cancelled'

export interface UploadSnapshot {
  phase: UploadPhase
  fileName: string
  totalBytes: number
  hashedBytes: number
  /** Bytes of the chunks the uploads service has stored (answered 201 for). */
  storedBytes: number
  /** Bytes sent of chunks not stored yet, when the transport reports them (XHR does, fetch does not). */
  inflightBytes: number
  chunkCount: number
  /** Chunks stored, the ones the server had before a resume included. */
  chunksDone: number
  /** Stored bytes per second over a sliding window while uploading; undefined until measurable. */
  bytesPerSecond: number | undefined
  /** Seconds until every chunk is stored at that rate; at least 1 while anything remains. */
  etaSeconds: number | undefined
  uploadId: string | undefined
  contentHash: string | undefined
  /** The stored file once complete, or the existing one for a duplicate. */
  file: FileRecord | undefined
  fileId: string | undefined
  error: UploadError | undefined
  /** True while a paused upload can be resumed. */
  paused: boolean
}

/** What an interrupted upload needs to continue later (IndexedDB in the browser, a file for the CLI). */
export interface ResumeRecord {
  uploadId: string
  fileName: string
  fileSize: number
  lastModified: number | undefined
  contentType: string
  contentHash: string
  chunkSize: number
  chunkCount: number
  /** Hex SHA-256 of every chunk, in index order. */
  digests: string[]
  createdAt: string
}

export type UploadOutcome =
  | { kind: 'complete'; fileId: string; upload: ServerUpload }
  | { kind: 'duplicate'; file: FileRecord }
  | { kind: 'failed'; error: UploadError }
  | { kind: 'cancelled' }

export interface UploadTaskOptions {
  source: ChunkSource
  gateway: GatewayClient
  transport?: ChunkTransport
  /** Chunk PUTs in flight at once (default 4). */
  concurrency?: number
  retry?: Partial<RetryPolicy>
  hasher?: ChunkHasher
  /** Continue this upload: its id, the digests recorded when it started and the plan they belong to. */
  resume?: Pick<ResumeRecord, 'uploadId' | 'digests'> &
    Partial<Pick<ResumeRecord, 'chunkSize' | 'chunkCount'>>
  /** Called once the server session exists, with what is needed to resume it later. */
  onSessionReady?: (record: ResumeRecord) => void | Promise<void>
  /** Interval of the status polling used when the live stream is unavailable (default 1 s). */
  pollIntervalMs?: number
  now?: () => number
  random?: () => number
}

/** The plan recorded with a resumable upload, when it fits the file. */
function recordedPlan(
  resume: NonNullable<UploadTaskOptions['resume']>,
  fileSize: number,
): ChunkPlan | undefined {
  const { chunkSize, chunkCount } = resume
  if (!chunkSize || chunkCount !== Math.max(1, Math.ceil(fileSize / chunkSize))) return undefined
  return { fileSize, chunkSize, chunkCount }
}

function samePlan(
  a: Pick<ChunkPlan, 'chunkSize' | 'chunkCount'>,
  b: Pick<ChunkPlan, 'chunkSize' | 'chunkCount'>,
) {
  return a.chunkSize === b.chunkSize && a.chunkCount === b.chunkCount
}

class PausedSignal extends Error {
  override readonly name = 'PausedSignal'
}
class CancelledSignal extends Error {
  override readonly name = 'CancelledSignal'
}

/**
 * One file's upload: hash, create (or resume) the session, PUT the missing chunks with bounded
 * parallelism and retries, then wait for the server's verdict. "Every PUT returned 201" only means
 * the chunks are stored; the file exists when the sessions service has assembled and verified it.
 */
export class UploadTask {
  readonly #opts: UploadTaskOptions
  readonly #source: ChunkSource
  readonly #gateway: GatewayClient
  readonly #transport: ChunkTransport
  readonly #policy: RetryPolicy
  readonly #concurrency: number
  readonly #now: () => number
  readonly #random: () => number
  readonly #rate = new StoredRate()
  readonly #listeners = new Set<(s: UploadSnapshot) => void>()
  readonly #cancel = new AbortController()

  #snapshot: UploadSnapshot
  #running: Promise<UploadOutcome> | undefined
  #segment: AbortController | undefined
  #paused = false
  #resumeWaiters: Array<() => void> = []
  #upload: ServerUpload | undefined
  #token: UploadToken | undefined
  #renewing: Promise<void> | undefined
  #digests: Uint8Array[] = []
  /** The plan `#digests` belong to. */
  #hashedPlan: ChunkPlan | undefined
  #confirmedBytes = 0
  #inflight = new Map<number, number>()

  constructor(options: UploadTaskOptions) {
    this.#opts = options
    this.#source = options.source
    this.#gateway = options.gateway
    this.#transport = retryingConnections(options.transport ?? fetchChunkTransport())
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
    this.#now = options.now ?? (() => performance.now())
    this.#random = options.random ?? Math.random
    this.#snapshot = {
      phase: 'idle',
      fileName: options.source.name,
      totalBytes: options.source.size,
      hashedBytes: 0,
      storedBytes: 0,
      inflightBytes: 0,
      chunkCount: 0,
      chunksDone: 0,
      bytesPerSecond: undefined,
      etaSeconds: undefined,
      uploadId: options.resume?.uploadId,
      contentHash: undefined,
      file: undefined,
      fileId: undefined,
      error: undefined,
      paused: false,
    }
  }

  get snapshot(): UploadSnapshot {
    return this.#snapshot
  }

  /** Listener gets every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (s: UploadSnapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Starts the upload (once); the promise settles with the outcome and never rejects. */
  start(): Promise<UploadOutcome> {
    this.#running ??= this.#run()
    return this.#running
  }

  /** Stops sending: chunks in flight are aborted and sent again on resume. */
  pause(): void {
    if (this.#paused || this.#isSettled()) return
    this.#paused = true
    this.#segment?.abort(new PausedSignal('paused'))
    this.#rate.reset()
    this.#emit({
      paused: true,
      bytesPerSecond: undefined,
      etaSeconds: undefined,
      phase: this.#snapshot.phase === 'uploading' ? 'paused' : this.#snapshot.phase,
    })
  }

  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    const waiters = this.#resumeWaiters
    this.#resumeWaiters = []
    for (const w of waiters) w()
    this.#emit({
      paused: false,
      phase: this.#snapshot.phase === 'paused' ? 'uploading' : this.#snapshot.phase,
    })
  }

  /** Aborts everything and cancels the server session, whose chunks the server then deletes. */
  async cancel(): Promise<void> {
    if (this.#isSettled()) return
    this.#cancel.abort(new CancelledSignal('cancelled'))
    this.resume()
    await this.#running
  }

  #isSettled(): boolean {
    const p = this.#snapshot.phase
    return p === 'complete' || p === 'duplicate' || p === 'failed' || p === 'cancelled'
  }

  #emit(patch: Partial<UploadSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch }
    for (const l of this.#listeners) l(this.#snapshot)
  }

  async #waitWhilePaused(): Promise<void> {
    while (this.#paused) {
      await new Promise<void>((resolve) => this.#resumeWaiters.push(resolve))
    }
    this.#cancel.signal.throwIfAborted()
  }

  async #run(): Promise<UploadOutcome> {
    try {
      return await this.#execute()
    } catch (err) {
      if (this.#cancel.signal.aborted) return this.#finishCancelled()
      const error =
        err instanceof UploadError
          ? err
          : new UploadError('UPLOAD_FAILED', err instanceof Error ? err.message : String(err), { cause: err })
      this.#emit({ phase: 'failed', error, bytesPerSecond: undefined, etaSeconds: undefined, paused: false })
      return { kind: 'failed', error }
    }
  }

  async #finishCancelled(): Promise<UploadOutcome> {
    const id = this.#upload?.id
    if (id) {
      try {
        await this.#gateway.cancelUpload(id)
      } catch {
        // The session expires on its own; a failed cancel must not turn into a failed upload.
      }
    }
    this.#emit({ phase: 'cancelled', bytesPerSecond: undefined, etaSeconds: undefined, paused: false })
    return { kind: 'cancelled' }
  }

  async #execute(): Promise<UploadOutcome> {
    const source = this.#source
    const resume = this.#opts.resume
    // A stored upload keeps the plan the server gave it, even if the policy has changed since.
    let plan = (resume && recordedPlan(resume, source.size)) ?? (await this.#policyPlan())
    let session: ServerUpload | undefined
    if (resume && resume.digests.length === plan.chunkCount) {
      this.#digests = resume.digests.map((d) => fromHex(d))
      this.#hashedPlan = plan
      this.#emit({ chunkCount: plan.chunkCount, hashedBytes: source.size })
      await this.#hash(plan)
      this.#emit({ phase: 'creating' })
      session = await this.#reopen(resume.uploadId, plan)
      if (session?.status === 'complete' && session.fileId) return this.#finishComplete(session)
    }
    if (!session) {
      // A new upload follows the policy the server announces now (its digests are reused when
      // the plan is the one they were computed for).
      if (resume) plan = await this.#policyPlan()
      const created = await this.#create(plan)
      if ('kind' in created) return created
      session = created.session
      plan = created.plan
    }
    const contentHash = this.#snapshot.contentHash ?? ''
    this.#upload = session
    this.#emit({ uploadId: session.id })

    await this.#opts.onSessionReady?.({
      uploadId: session.id,
      fileName: source.name,
      fileSize: source.size,
      lastModified: source.lastModified,
      contentType: source.type,
      contentHash,
      chunkSize: plan.chunkSize,
      chunkCount: plan.chunkCount,
      digests: this.#digests.map((d) => toHex(d)),
      createdAt: session.createdAt,
    })

    if (session.status === 'created' || session.status === 'uploading') {
      const received = new Set(session.receivedChunks)
      const pending: number[] = []
      for (let i = 0; i < plan.chunkCount; i++) {
        if (received.has(i)) this.#confirmedBytes += chunkLength(plan, i)
        else pending.push(i)
      }
      this.#emit({ phase: 'uploading', chunksDone: received.size, storedBytes: this.#confirmedBytes })
      await this.#sendAll(plan, pending)
    }

    this.#emit({ phase: 'finalizing', inflightBytes: 0, bytesPerSecond: undefined, etaSeconds: undefined })
    if (session.status === 'created' || session.status === 'uploading') await this.#complete(session.id)
    const final = await this.#waitForFinal(session.id)
    if (final.status === 'complete' && final.fileId) return this.#finishComplete(final)
    const reason = final.failureReason ?? `the upload ended as ${final.status}`
    throw new UploadError('UPLOAD_FAILED', reason, { details: { status: final.status } })
  }

  /** The plan the server's announced policy gives this file (the policy is fetched once per client). */
  async #policyPlan(): Promise<ChunkPlan> {
    const policy = await this.#gateway.uploadPolicy(this.#cancel.signal)
    const size = this.#source.size
    // Refused before hours of hashing rather than at creation.
    if (size > policy.maxFileSize) {
      throw new UploadError('TOO_LARGE', `file size exceeds the limit of ${policy.maxFileSize} bytes`, {
        details: { field: 'fileSize', maxFileSize: policy.maxFileSize },
      })
    }
    return planChunks(size, policy.chunkPlan)
  }

  /**
   * Hashes the file with `plan` (unless its digests are already those of this plan), so the
   * content hash can be sent at creation: that is what makes a re-upload of the same file instant.
   */
  async #hash(plan: ChunkPlan): Promise<void> {
    this.#emit({ chunkCount: plan.chunkCount })
    if (!this.#hashedPlan || !samePlan(this.#hashedPlan, plan)) {
      this.#emit({ phase: 'hashing', hashedBytes: 0 })
      const hasher = this.#opts.hasher ?? hashChunksInline
      this.#digests = await hasher(this.#source, plan, {
        signal: this.#cancel.signal,
        onProgress: (hashedBytes) => this.#emit({ hashedBytes }),
      })
      if (this.#digests.length !== plan.chunkCount)
        throw new UploadError('PROTOCOL_ERROR', 'the hasher returned the wrong number of digests')
      this.#hashedPlan = plan
    }
    this.#emit({ contentHash: await contentHashFromDigests(this.#digests) })
    await this.#waitWhilePaused()
  }

  /**
   * Hashes with the announced plan and creates the upload: one pass, one creation. Should the
   * server still answer with another plan (its policy changed after it was fetched, or the gateway
   * and sessions services are configured differently), the session is cancelled, the kept policy
   * dropped and the file hashed and created once more with the server's plan; a second
   * disagreement is a PLAN_MISMATCH.
   */
  async #create(
    announced: ChunkPlan,
  ): Promise<{ session: ServerUpload; plan: ChunkPlan } | Extract<UploadOutcome, { kind: 'duplicate' }>> {
    const source = this.#source
    let plan = announced
    for (let round = 0; ; round++) {
      await this.#hash(plan)
      this.#emit({ phase: 'creating' })
      const created = await this.#gateway.createUpload(
        {
          fileName: source.name,
          fileSize: source.size,
          contentType: source.type,
          contentHash: this.#snapshot.contentHash,
        },
        this.#cancel.signal,
      )
      if (created.result === 'duplicate') {
        this.#emit({ phase: 'duplicate', file: created.file, fileId: created.file.id })
        return { kind: 'duplicate', file: created.file }
      }
      const session = created.upload
      this.#token = created.uploadToken
      if (samePlan(session, plan)) return { session, plan }

      await this.#gateway.cancelUpload(session.id).catch(() => undefined)
      this.#gateway.forgetUploadPolicy()
      const serverPlan = {
        fileSize: source.size,
        chunkSize: session.chunkSize,
        chunkCount: session.chunkCount,
      }
      const consistent =
        serverPlan.chunkSize > 0 &&
        serverPlan.chunkCount === Math.max(1, Math.ceil(source.size / serverPlan.chunkSize))
      if (round > 0 || !consistent) {
        throw new UploadError(
          'PLAN_MISMATCH',
          `the server chunks this file as ${session.chunkCount} x ${session.chunkSize} bytes, the client as ${plan.chunkCount} x ${plan.chunkSize} bytes`,
        )
      }
      plan = serverPlan
    }
  }

  async #finishComplete(upload: ServerUpload): Promise<UploadOutcome> {
    const fileId = upload.fileId ?? ''
    let file: FileRecord | undefined
    try {
      file = await this.#gateway.getFile(fileId)
    } catch {
      file = undefined
    }
    this.#emit({
      phase: 'complete',
      fileId,
      file,
      chunksDone: upload.chunkCount,
      storedBytes: upload.fileSize,
      inflightBytes: 0,
      bytesPerSecond: undefined,
      etaSeconds: undefined,
      paused: false,
    })
    return { kind: 'complete', fileId, upload }
  }

  /** The stored session if it can still take chunks (or is done); undefined to start afresh. */
  async #reopen(uploadId: string, plan: ChunkPlan): Promise<ServerUpload | undefined> {
    let upload: ServerUpload
    try {
      upload = await this.#gateway.getUpload(uploadId, this.#cancel.signal)
    } catch (err) {
      if (err instanceof UploadError && (err.status === 404 || err.status === 403)) return undefined
      throw err
    }
    if (!samePlan(upload, plan)) return undefined
    if (upload.status === 'created' || upload.status === 'uploading') {
      this.#token = await this.#gateway.renewToken(uploadId, this.#cancel.signal)
      return upload
    }
    if (upload.status === 'finalizing' || upload.status === 'complete') return upload
    return undefined
  }

  /** Progress counts stored chunks; bytes on the wire are reported apart and never feed the rate. */
  #progress(patch: Partial<UploadSnapshot> = {}): void {
    let inflight = 0
    for (const b of this.#inflight.values()) inflight += b
    const storedBytes = Math.min(this.#source.size, this.#confirmedBytes)
    const now = this.#now()
    this.#rate.record(storedBytes, now)
    const paused = this.#paused
    this.#emit({
      ...patch,
      storedBytes,
      inflightBytes: Math.min(this.#source.size - storedBytes, inflight),
      bytesPerSecond: paused ? undefined : this.#rate.bytesPerSecond(now),
      etaSeconds: paused ? undefined : this.#rate.etaSeconds(this.#source.size - storedBytes, now),
    })
  }

  /** Runs the pool until every pending chunk is stored, pausing and resuming as asked. */
  async #sendAll(plan: ChunkPlan, pending: number[]): Promise<void> {
    const queue = [...pending]
    while (queue.length > 0) {
      await this.#waitWhilePaused()
      const segment = new AbortController()
      this.#segment = segment
      this.#rate.start(this.#confirmedBytes, this.#now())
      // Transports that cannot report bytes on the wire (fetch) call back only per chunk; the tick
      // lets the speed fall and the ETA grow while a slow chunk is still on its way.
      const tick = setInterval(() => this.#progress(), 1000)
      const onCancel = () => segment.abort(this.#cancel.signal.reason)
      this.#cancel.signal.addEventListener('abort', onCancel, { once: true })
      let failure: unknown
      const worker = async () => {
        while (queue.length > 0 && !segment.signal.aborted) {
          const index = queue.shift()
          if (index === undefined) return
          try {
            await this.#sendChunk(plan, index, segment.signal)
          } catch (err) {
            // A paused or cancelled chunk goes back to the queue; the first real failure stops
            // the others so that no more bytes are sent for an upload that is going to fail.
            queue.unshift(index)
            if (!segment.signal.aborted) {
              failure = err
              segment.abort(err)
            }
            return
          }
        }
      }
      try {
        await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker))
      } finally {
        clearInterval(tick)
        this.#cancel.signal.removeEventListener('abort', onCancel)
        this.#segment = undefined
        // Bytes of aborted requests are gone: after a pause the bar shows what the server has.
        this.#inflight.clear()
        this.#emit({ storedBytes: this.#confirmedBytes, inflightBytes: 0 })
      }
      if (failure !== undefined) throw failure
      this.#cancel.signal.throwIfAborted()
      if (queue.length > 0) queue.sort((a, b) => a - b)
    }
  }

  async #sendChunk(plan: ChunkPlan, index: number, signal: AbortSignal): Promise<void> {
    const upload = this.#upload
    if (!upload) throw new UploadError('PROTOCOL_ERROR', 'no upload session')
    const digest = this.#digests[index]
    if (!digest) throw new UploadError('PROTOCOL_ERROR', `no digest for chunk ${index}`)
    const { start, end } = chunkRange(plan, index)
    let renewals = 0
    for (let attempt = 0; ; ) {
      signal.throwIfAborted()
      const token = this.#token
      if (!token) throw new UploadError('PROTOCOL_ERROR', 'no upload token')
      const body = await this.#source.read(start, end)
      let error: UploadError
      try {
        const res = await this.#transport({
          url: `${upload.chunkUploadUrl}/${index}`,
          token: token.token,
          contentDigest: formatContentDigest(digest),
          body,
          signal,
          onProgress: (sent) => {
            this.#inflight.set(index, Math.min(sent, body.length))
            this.#progress()
          },
        })
        if (res.status === 200 || res.status === 201) {
          this.#inflight.delete(index)
          this.#confirmedBytes += body.length
          // One snapshot for both, so the counter and the bar never disagree.
          this.#progress({ chunksDone: this.#snapshot.chunksDone + 1 })
          return
        }
        error = errorFromResponse(
          res.status,
          res.body,
          parseRetryAfter(res.retryAfter, Date.now()),
          `chunk ${index} upload failed`,
        )
      } catch (err) {
        this.#inflight.delete(index)
        if (signal.aborted || isAbortError(err)) throw signal.reason ?? err
        if (!(err instanceof TransportError)) throw err
        error = new UploadError('NETWORK_ERROR', 'the upload server could not be reached', { cause: err })
      }
      this.#inflight.delete(index)
      this.#progress()

      if (error.status === 401 && error.details?.reason === 'expired' && renewals < 3) {
        // An expired token is normal on a long upload: renew once for everyone, then resend.
        renewals++
        await this.#renewToken(token)
        continue
      }
      if (error.status === 422) {
        // The bytes no longer match the digest recorded when the file was hashed: either they
        // were corrupted on the way (try again) or the file changed on disk (stop for good).
        const now = await sha256(await this.#source.read(start, end))
        if (toHex(now) !== toHex(digest)) {
          throw new UploadError(
            'FILE_CHANGED',
            `the file changed while it was being uploaded (chunk ${index} differs from when it was hashed)`,
          )
        }
      } else if (!isRetryable(error)) {
        throw error
      }
      attempt++
      if (attempt >= this.#policy.maxAttempts) {
        throw new UploadError(
          'RETRIES_EXHAUSTED',
          `chunk ${index} failed ${attempt} times; last error: ${error.message}`,
          { status: error.status, cause: error },
        )
      }
      await sleep(retryDelay(attempt - 1, error.retryAfterMs, this.#policy, this.#random), signal)
    }
  }

  async #renewToken(expired: UploadToken): Promise<void> {
    const upload = this.#upload
    if (!upload) return
    if (this.#token !== expired) return
    this.#renewing ??= (async () => {
      try {
        this.#token = await this.#gateway.renewToken(upload.id, this.#cancel.signal)
      } finally {
        this.#renewing = undefined
      }
    })()
    await this.#renewing
  }

  /**
   * Says that every chunk is stored, so a lost chunk event costs seconds, not the server's
   * reconciliation period. When the call cannot get through (after its retries) the events still
   * finish the upload: the engine goes on waiting.
   */
  async #complete(uploadId: string): Promise<void> {
    try {
      await this.#gateway.completeUpload(uploadId, this.#cancel.signal)
    } catch (err) {
      if (this.#cancel.signal.aborted || !isRetryable(err)) throw err
    }
  }

  /**
   * Waits for complete/failed/cancelled/expired: the live stream first, polling when the stream
   * cannot be opened or ends without a final state.
   */
  async #waitForFinal(uploadId: string): Promise<ServerUpload> {
    const signal = this.#cancel.signal
    const interval = this.#opts.pollIntervalMs ?? 1000
    const first = await this.#gateway.getUpload(uploadId, signal)
    if (FINAL_STATUSES.has(first.status)) return first
    try {
      for await (const upload of this.#gateway.watchUpload(uploadId, signal)) {
        if (FINAL_STATUSES.has(upload.status)) return upload
      }
    } catch (err) {
      if (signal.aborted) throw err
    }
    for (let attempt = 0; ; attempt++) {
      const upload = await this.#gateway.getUpload(uploadId, signal)
      if (FINAL_STATUSES.has(upload.status)) return upload
      // Still not final after a while: say it again. A finalization whose process died has no
      // queue message left to take it over; the completion call does (idempotent).
      if (attempt % 5 === 4) await this.#complete(uploadId).catch(() => undefined)
      await sleep(Math.min(interval * 2 ** Math.min(attempt, 3), 10_000), signal)
    }
  }
}
