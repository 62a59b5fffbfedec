import { AppError } from '@lfusys/errors'
import { type Caller, isFinal, type SessionsApi, type Upload, type UploadWatch } from './types.ts'
import type { UploadObserver } from './UploadService.ts'

/** Open upload event streams one user may hold on one gateway instance. */
export const MAX_STREAMS_PER_USER = 16

export interface UploadEventsOptions {
  /** How long the sessions service may take to send the current state of a new watch. */
  startDeadlineMs: number
  /** A stream ends after this long even without a final state (clients then reconnect or poll). */
  maxSeconds: number
}

/**
 * One open stream of an upload's states: the current state first, then every change, ending after a
 * final state. `close()` may be called any number of times, from either side.
 */
export interface UploadEventStream extends AsyncIterable<Upload> {
  close(): void
}

/**
 * Upload event streams of this instance: each holds a gRPC stream on the sessions service, so they
 * are bounded per user, registered so shutdown can end them, and cut after a maximum lifetime.
 */
export class UploadEventsService {
  private readonly sessions: SessionsApi
  private readonly observer: UploadObserver
  private readonly options: UploadEventsOptions
  private readonly watches = new Set<UploadWatch>()
  private readonly streamsByUser = new Map<string, number>()
  private closing = false

  constructor(deps: { sessions: SessionsApi; observer: UploadObserver }, options: UploadEventsOptions) {
    this.sessions = deps.sessions
    this.observer = deps.observer
    this.options = options
  }

  /** Set once the server starts closing: finished streams then also close their connection. */
  get shuttingDown(): boolean {
    return this.closing
  }

  /** Open streams of a user on this instance. */
  openStreams(userId: string): number {
    return this.streamsByUser.get(userId) ?? 0
  }

  /**
   * Opens a stream once the upload's current state has arrived, so that "not found or not yours" and
   * a silent sessions service are normal errors before any byte of the stream is sent.
   */
  async open(caller: Caller, uploadId: string): Promise<UploadEventStream> {
    if (this.openStreams(caller.userId) >= MAX_STREAMS_PER_USER) {
      throw new AppError('RATE_LIMITED', `at most ${MAX_STREAMS_PER_USER} open event streams per user`, {
        retryAfterSeconds: 5,
      })
    }
    // Ownership and existence are settled by a unary call with a deadline, so "not found or not
    // yours" is a normal JSON 404 before any stream is opened.
    await this.sessions.getUpload(caller, uploadId)
    const watch = this.sessions.watchUpload(caller, uploadId)
    const iterator = watch[Symbol.asyncIterator]()
    const first = await this.firstState(watch, iterator)

    this.watches.add(watch)
    this.streamsByUser.set(caller.userId, this.openStreams(caller.userId) + 1)
    let open = true
    // A watch that stalls (no final state ever arrives) must not hold the connection forever.
    const lifetime = setTimeout(() => watch.close(), this.options.maxSeconds * 1000)
    const close = () => {
      if (!open) return
      open = false
      clearTimeout(lifetime)
      this.watches.delete(watch)
      const left = this.openStreams(caller.userId) - 1
      if (left > 0) this.streamsByUser.set(caller.userId, left)
      else this.streamsByUser.delete(caller.userId)
      watch.close()
    }
    const observer = this.observer
    async function* states(): AsyncGenerator<Upload> {
      let current: IteratorResult<Upload> = first
      while (!current.done) {
        yield current.value
        if (isFinal(current.value.status)) {
          await observer.uploadChanged(caller.userId, current.value)
          return
        }
        current = await iterator.next()
      }
    }
    return { close, [Symbol.asyncIterator]: states }
  }

  /**
   * Follows an upload to its final state in the background, for clients that do not watch it
   * themselves (a tus client's last PATCH is answered while the file is still being assembled), so a
   * completed upload still reaches the observer and its owner's files list is fresh at once. Best
   * effort: it is one of the user's streams while it lasts, and when it cannot be opened the list
   * is only as stale as its cache TTL.
   */
  follow(caller: Caller, uploadId: string): void {
    if (this.closing) return
    void (async () => {
      const stream = await this.open(caller, uploadId)
      try {
        for await (const _state of stream) {
          // The stream reports the final state to the observer itself.
        }
      } finally {
        stream.close()
      }
    })().catch(() => undefined)
  }

  /** Ends every open stream (the server is closing: open streams would keep it from closing). */
  closeAll(): void {
    this.closing = true
    for (const watch of this.watches) watch.close()
  }

  private async firstState(
    watch: UploadWatch,
    iterator: AsyncIterator<Upload>,
  ): Promise<IteratorYieldResult<Upload>> {
    let first: IteratorResult<Upload>
    let timer: NodeJS.Timeout | undefined
    try {
      // The stream promises the current state at once; a stream that stays silent is a failure.
      first = await Promise.race([
        iterator.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new AppError('UNAVAILABLE', 'the upload status stream did not start', {
                  retryAfterSeconds: 2,
                }),
              ),
            this.options.startDeadlineMs,
          )
        }),
      ])
    } catch (err) {
      watch.close()
      throw err
    } finally {
      clearTimeout(timer)
    }
    if (first.done) {
      throw new AppError('UNAVAILABLE', 'the upload status stream ended early', { retryAfterSeconds: 1 })
    }
    return first
  }
}
