import { type ChunkHasher, hashChunksInline } from '@lfusys/upload-client'

type WorkerReply =
  | { type: 'progress'; hashedBytes: number }
  | { type: 'done'; digests: ArrayBuffer[] }
  | { type: 'error'; message: string }

function isReply(value: unknown): value is WorkerReply {
  return typeof value === 'object' && value !== null && 'type' in value
}

/** Hashes in a dedicated Web Worker (falls back to the page thread where workers are missing). */
export const workerHasher: ChunkHasher = (source, plan, hooks) => {
  if (!source.blob || typeof Worker === 'undefined') return hashChunksInline(source, plan, hooks)
  const blob = source.blob
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) {
      reject(hooks.signal.reason)
      return
    }
    const worker = new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module' })
    const stop = () => {
      worker.terminate()
      reject(hooks.signal?.reason)
    }
    hooks.signal?.addEventListener('abort', stop, { once: true })
    const finish = () => {
      hooks.signal?.removeEventListener('abort', stop)
      worker.terminate()
    }
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const reply = event.data
      if (!isReply(reply)) return
      if (reply.type === 'progress') hooks.onProgress?.(reply.hashedBytes)
      else if (reply.type === 'done') {
        finish()
        resolve(reply.digests.map((d) => new Uint8Array(d)))
      } else {
        finish()
        reject(new Error(`hashing failed: ${reply.message}`))
      }
    }
    worker.onerror = (event) => {
      finish()
      reject(new Error(`hashing failed: ${event.message}`))
    }
    worker.postMessage({ file: blob, chunkSize: plan.chunkSize, chunkCount: plan.chunkCount })
  })
}
