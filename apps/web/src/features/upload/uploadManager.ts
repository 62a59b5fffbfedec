import {
  blobSource,
  type ResumeRecord,
  type UploadOutcome,
  type UploadSnapshot,
  UploadTask,
} from '@lfusys/upload-client'
import { api } from '../../lib/api.ts'
import { forgetUpload, type StoredUpload, saveUpload } from './resumeStore.ts'
import { workerHasher } from './workerHasher.ts'
import { xhrTransport } from './xhrTransport.ts'

export interface QueueItem {
  key: string
  snapshot: UploadSnapshot
  resumed: boolean
}

interface Entry {
  key: string
  task: UploadTask
  file: File
  userId: string
  handle: FileSystemFileHandle | undefined
  record: ResumeRecord | undefined
  resumed: boolean
  started: boolean
}

/** Errors after which the stored session is useless: resuming would fail the same way. */
const FINAL_ERRORS = new Set(['UPLOAD_FAILED', 'FILE_CHANGED', 'PLAN_MISMATCH', 'NOT_FOUND', 'FORBIDDEN'])

/**
 * The upload queue of this tab. It lives outside React so uploads go on while the user moves
 * between pages; two files upload at a time, each with the engine's four chunks in flight.
 */
export class UploadManager {
  readonly maxActive: number
  #entries: Entry[] = []
  #items: QueueItem[] = []
  #listeners = new Set<() => void>()
  #serial = 0

  constructor(maxActive = 2) {
    this.maxActive = maxActive
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  getSnapshot = (): QueueItem[] => this.#items

  #publish(): void {
    this.#items = this.#entries.map((e) => ({ key: e.key, snapshot: e.task.snapshot, resumed: e.resumed }))
    for (const l of this.#listeners) l()
  }

  add(
    file: File,
    userId: string,
    options: { resume?: StoredUpload; handle?: FileSystemFileHandle | undefined } = {},
  ): string {
    const key = `u${++this.#serial}`
    const entry: Entry = {
      key,
      file,
      userId,
      handle: options.handle ?? options.resume?.handle,
      record: options.resume,
      resumed: options.resume !== undefined,
      started: false,
      task: this.#createTask(file, userId, options.resume, () => entry),
    }
    this.#entries = [...this.#entries, entry]
    this.#publish()
    this.#pump()
    return key
  }

  #createTask(file: File, userId: string, resume: ResumeRecord | undefined, self: () => Entry): UploadTask {
    const task = new UploadTask({
      source: blobSource(file, file.name),
      gateway: api,
      transport: xhrTransport,
      hasher: workerHasher,
      resume: resume
        ? {
            uploadId: resume.uploadId,
            digests: resume.digests,
            chunkSize: resume.chunkSize,
            chunkCount: resume.chunkCount,
          }
        : undefined,
      onSessionReady: async (record) => {
        const entry = self()
        entry.record = record
        const stored: StoredUpload = { ...record, userId }
        if (entry.handle) stored.handle = entry.handle
        await saveUpload(stored)
      },
    })
    task.subscribe(() => this.#publish())
    return task
  }

  #pump(): void {
    const active = this.#entries.filter(
      (e) => e.started && !isSettled(e.task.snapshot) && !e.task.snapshot.paused,
    )
    let free = this.maxActive - active.length
    for (const e of this.#entries) {
      if (free <= 0) break
      if (e.started) continue
      e.started = true
      free--
      void e.task.start().then((outcome) => this.#settled(e, outcome))
    }
  }

  async #settled(entry: Entry, outcome: UploadOutcome): Promise<void> {
    const id = entry.record?.uploadId ?? entry.task.snapshot.uploadId
    const forget =
      outcome.kind !== 'failed' ||
      FINAL_ERRORS.has(outcome.error.code) ||
      entry.task.snapshot.uploadId === undefined
    if (id && forget) await forgetUpload(id)
    this.#publish()
    this.#pump()
  }

  pause(key: string): void {
    this.#find(key)?.task.pause()
    this.#pump()
  }

  resume(key: string): void {
    const e = this.#find(key)
    e?.task.resume()
  }

  async cancel(key: string): Promise<void> {
    const e = this.#find(key)
    if (!e) return
    if (!e.started) {
      // A queued task is started only to be cancelled, so it settles like any other.
      e.started = true
      void e.task.start().then((outcome) => this.#settled(e, outcome))
    }
    await e.task.cancel()
    const id = e.task.snapshot.uploadId
    if (id) await forgetUpload(id)
    this.#publish()
    this.#pump()
  }

  /** Starts a failed upload again, continuing its server session when it still has one. */
  retry(key: string): void {
    const e = this.#find(key)
    if (e?.task.snapshot.phase !== 'failed') return
    const record = e.record
    e.task = this.#createTask(e.file, e.userId, record, () => e)
    e.resumed = record !== undefined
    e.started = false
    this.#publish()
    this.#pump()
  }

  remove(key: string): void {
    const e = this.#find(key)
    if (!e || !isSettled(e.task.snapshot)) return
    this.#entries = this.#entries.filter((x) => x.key !== key)
    this.#publish()
  }

  clearFinished(): void {
    this.#entries = this.#entries.filter((e) => !isSettled(e.task.snapshot))
    this.#publish()
  }

  /** Upload ids this tab is working on, so the resume panel does not offer them twice. */
  activeUploadIds(): Set<string> {
    const ids = new Set<string>()
    for (const e of this.#entries) {
      const id = e.task.snapshot.uploadId ?? e.record?.uploadId
      if (id && !isSettled(e.task.snapshot)) ids.add(id)
    }
    return ids
  }

  #find(key: string): Entry | undefined {
    return this.#entries.find((e) => e.key === key)
  }
}

export function isSettled(s: UploadSnapshot): boolean {
  return s.phase === 'complete' || s.phase === 'duplicate' || s.phase === 'failed' || s.phase === 'cancelled'
}

export const uploadManager = new UploadManager()
