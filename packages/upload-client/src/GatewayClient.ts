import {
  createUploadOutcomeSchema,
  filePageSchema,
  fileRecordSchema,
  storageUsageSchema,
  uploadListSchema,
  uploadPolicySchema,
  uploadTokenGrantSchema,
  userResponseSchema,
} from '@lfusys/contracts'
import { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy, retryDelay, sleep } from './backoff.ts'
import { errorFromResponse, isAbortError, isRetryable, UploadError } from './errors.ts'
import { readSse } from './sse.ts'
import {
  type CreateUploadResult,
  type FileRecord,
  parseServerUpload,
  parseWire,
  type ServerUpload,
  type StorageUsage,
  type UploadPolicy,
  type UploadToken,
  type User,
  type WireSchema,
} from './types.ts'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export interface GatewayClientOptions {
  /** Base of the API, e.g. `/api/v1` in the browser or `http://127.0.0.1:3100/api/v1`. */
  baseUrl: string
  /** The transport: cookies, CSRF and session refresh are its business (see createSessionFetch). */
  fetch?: FetchLike
  retry?: Partial<RetryPolicy>
  random?: () => number
}

export interface CreateUploadInput {
  fileName: string
  fileSize: number
  contentType?: string
  contentHash?: string
}

interface RequestOptions {
  method?: string
  body?: unknown
  signal?: AbortSignal
  /** Safe to repeat on network errors, 5xx and 429 (every call here is, the server is idempotent). */
  retry?: boolean
  /** Extra request headers, the same on every attempt. */
  headers?: Record<string, string>
}

/** Settles as `promise` does, or rejects with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Typed calls to the gateway's JSON API (see the HTTP contract in docs/web.md). */
export class GatewayClient {
  readonly baseUrl: string
  readonly #fetch: FetchLike
  readonly #policy: RetryPolicy
  readonly #random: () => number
  #uploadPolicy: Promise<UploadPolicy> | undefined

  constructor(options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#random = options.random ?? Math.random
  }

  async request(path: string, options: RequestOptions = {}): Promise<{ status: number; body: unknown }> {
    const policy = this.#policy
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(path, options)
      } catch (err) {
        if (!options.retry || !isRetryable(err) || attempt + 1 >= policy.maxAttempts) throw err
        const retryAfter = err instanceof UploadError ? err.retryAfterMs : undefined
        await sleep(retryDelay(attempt, retryAfter, policy, this.#random), options.signal)
      }
    }
  }

  async #once(path: string, options: RequestOptions): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { ...options.headers, accept: 'application/json' }
    const init: RequestInit = { method: options.method ?? 'GET', headers }
    if (options.signal) init.signal = options.signal
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(options.body)
    }
    let res: Response
    try {
      res = await this.#fetch(`${this.baseUrl}${path}`, init)
    } catch (err) {
      if (isAbortError(err) || options.signal?.aborted) throw err
      throw new UploadError('NETWORK_ERROR', 'the server could not be reached', { cause: err })
    }
    const text = await res.text()
    let body: unknown
    if (text !== '') {
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
    }
    if (!res.ok) {
      throw errorFromResponse(
        res.status,
        body,
        parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        `${init.method} ${path} failed`,
      )
    }
    return { status: res.status, body }
  }

  /** A JSON call whose answer is checked against its contracts schema (PROTOCOL_ERROR otherwise). */
  async #json<T>(
    path: string,
    schema: WireSchema<T>,
    what: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const { body } = await this.request(path, options)
    return parseWire(schema, body, what)
  }

  // --- upload policy ---
  /**
   * The server's upload policy (`GET /uploads/policy`): fetched once per client and kept, so every
   * upload plans its chunks from it without asking again. A failed fetch is not kept. `signal`
   * stops this caller's wait, not the shared fetch.
   */
  uploadPolicy(signal?: AbortSignal): Promise<UploadPolicy> {
    let pending = this.#uploadPolicy
    if (!pending) {
      const fetched = this.#json('/uploads/policy', uploadPolicySchema, 'upload policy', { retry: true })
      pending = fetched
      this.#uploadPolicy = fetched
      fetched.catch(() => {
        if (this.#uploadPolicy === fetched) this.#uploadPolicy = undefined
      })
    }
    return untilAborted(pending, signal)
  }

  /** Drops the kept policy (the server answered with another plan): the next upload asks again. */
  forgetUploadPolicy(): void {
    this.#uploadPolicy = undefined
  }

  // --- auth ---
  async me(signal?: AbortSignal): Promise<User | null> {
    try {
      return await this.#json('/auth/me', userResponseSchema, 'user', { signal }).then((r) => r.user)
    } catch (err) {
      if (err instanceof UploadError && err.status === 401) return null
      throw err
    }
  }

  async login(email: string, password: string): Promise<User> {
    const body = { email, password }
    return (await this.#json('/auth/login', userResponseSchema, 'user', { method: 'POST', body })).user
  }

  async register(email: string, password: string, name?: string): Promise<User> {
    const payload = name ? { email, password, name } : { email, password }
    return (await this.#json('/auth/register', userResponseSchema, 'user', { method: 'POST', body: payload }))
      .user
  }

  async logout(): Promise<void> {
    await this.request('/auth/logout', { method: 'POST' })
  }

  // --- uploads ---
  /**
   * One Idempotency-Key per creation, sent again on every retry: a creation that reached the server
   * but whose answer was lost (a timeout, a 503 after the fact) is answered again, not repeated.
   */
  async createUpload(input: CreateUploadInput, signal?: AbortSignal): Promise<CreateUploadResult> {
    return this.#json('/uploads', createUploadOutcomeSchema, 'upload creation', {
      method: 'POST',
      body: input,
      signal,
      retry: true,
      headers: { 'idempotency-key': globalThis.crypto.randomUUID() },
    })
  }

  async getUpload(id: string, signal?: AbortSignal): Promise<ServerUpload> {
    const { body } = await this.request(`/uploads/${encodeURIComponent(id)}`, { signal, retry: true })
    return parseServerUpload(body)
  }

  async listUploads(signal?: AbortSignal): Promise<ServerUpload[]> {
    return (await this.#json('/uploads', uploadListSchema, 'upload list', { signal, retry: true })).uploads
  }

  async renewToken(id: string, signal?: AbortSignal): Promise<UploadToken> {
    return this.#json(`/uploads/${encodeURIComponent(id)}/token`, uploadTokenGrantSchema, 'upload token', {
      method: 'POST',
      signal,
      retry: true,
    })
  }

  /** Every chunk is stored: the server records what its chunk events missed and finalizes. */
  async completeUpload(id: string, signal?: AbortSignal): Promise<ServerUpload> {
    const { body } = await this.request(`/uploads/${encodeURIComponent(id)}/complete`, {
      method: 'POST',
      signal,
      retry: true,
    })
    return parseServerUpload(body)
  }

  async cancelUpload(id: string, signal?: AbortSignal): Promise<ServerUpload> {
    const { body } = await this.request(`/uploads/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      signal,
      retry: true,
    })
    return parseServerUpload(body)
  }

  /**
   * Yields the upload on every change until the stream ends (the gateway ends it after a final
   * state) or `signal` aborts.
   */
  async *watchUpload(id: string, signal?: AbortSignal): AsyncGenerator<ServerUpload> {
    const init: RequestInit = { headers: { accept: 'text/event-stream' } }
    if (signal) init.signal = signal
    let res: Response
    try {
      res = await this.#fetch(`${this.baseUrl}/uploads/${encodeURIComponent(id)}/events`, init)
    } catch (err) {
      if (isAbortError(err) || signal?.aborted) throw err
      throw new UploadError('NETWORK_ERROR', 'the live status stream could not be opened', { cause: err })
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '')
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      throw errorFromResponse(res.status, body, undefined, 'live status stream failed')
    }
    for await (const ev of readSse(res.body)) {
      if (ev.event !== 'upload') continue
      let data: unknown
      try {
        data = JSON.parse(ev.data)
      } catch {
        throw new UploadError('PROTOCOL_ERROR', 'the live status stream sent invalid JSON')
      }
      yield parseServerUpload(data)
    }
  }

  /** The caller's storage against the quota (`GET /me/usage`). */
  async usage(signal?: AbortSignal): Promise<StorageUsage> {
    return this.#json('/me/usage', storageUsageSchema, 'storage usage', { signal, retry: true })
  }

  // --- files ---
  async listFiles(
    options: { limit?: number; cursor?: string | null; all?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<{ files: FileRecord[]; nextCursor: string | null }> {
    const params = new URLSearchParams()
    params.set('limit', String(options.limit ?? 50))
    if (options.cursor) params.set('cursor', options.cursor)
    if (options.all) params.set('all', 'true')
    const page = await this.#json(`/files?${params}`, filePageSchema, 'file list', { signal, retry: true })
    return { files: page.files, nextCursor: page.nextCursor || null }
  }

  async getFile(id: string, signal?: AbortSignal): Promise<FileRecord> {
    return this.#json(`/files/${encodeURIComponent(id)}`, fileRecordSchema, 'file', { signal, retry: true })
  }

  async deleteFile(id: string): Promise<void> {
    // Not retried: a lost 204 followed by a retry would report the deleted file as missing.
    await this.request(`/files/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }

  /** The URL that redirects to a short-lived presigned download. */
  downloadUrl(id: string): string {
    return `${this.baseUrl}/files/${encodeURIComponent(id)}/download`
  }
}
