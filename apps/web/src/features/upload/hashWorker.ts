// Hashes a file chunk by chunk off the main thread, so a multi-GiB file neither freezes the page
// nor sits in memory: one chunk is read (Blob.slice is lazy), digested with WebCrypto, dropped.
interface HashRequest {
  file: Blob
  chunkSize: number
  chunkCount: number
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null
  postMessage(message: unknown, transfer?: Transferable[]): void
}

// lib.dom types `self` as Window; in a dedicated worker it is the worker scope.
const scope = self as unknown as WorkerScope

scope.onmessage = async (event) => {
  const { file, chunkSize, chunkCount } = event.data
  try {
    const digests: ArrayBuffer[] = []
    let hashed = 0
    let lastReport = 0
    for (let i = 0; i < chunkCount; i++) {
      const start = i * chunkSize
      const end = i === chunkCount - 1 ? file.size : start + chunkSize
      const bytes = await file.slice(start, end).arrayBuffer()
      digests.push(await crypto.subtle.digest('SHA-256', bytes))
      hashed += bytes.byteLength
      const now = performance.now()
      if (now - lastReport > 100 || i === chunkCount - 1) {
        lastReport = now
        scope.postMessage({ type: 'progress', hashedBytes: hashed })
      }
    }
    scope.postMessage({ type: 'done', digests }, digests)
  } catch (err) {
    scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  }
}
