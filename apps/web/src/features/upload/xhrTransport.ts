import { type ChunkTransport, TransportError } from '@lfusys/upload-client'

/**
 * XMLHttpRequest instead of fetch for chunk PUTs: only XHR reports upload progress, which makes
 * the progress bar, speed and ETA move within a chunk instead of jumping 8 MiB at a time.
 */
export const xhrTransport: ChunkTransport = (req) =>
  new Promise((resolve, reject) => {
    if (req.signal.aborted) {
      reject(req.signal.reason)
      return
    }
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', req.url)
    xhr.withCredentials = false
    xhr.setRequestHeader('authorization', `Bearer ${req.token}`)
    xhr.setRequestHeader('content-digest', req.contentDigest)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    const onAbort = () => xhr.abort()
    req.signal.addEventListener('abort', onAbort, { once: true })
    const done = () => req.signal.removeEventListener('abort', onAbort)
    xhr.upload.onprogress = (e) => req.onProgress?.(e.loaded)
    xhr.onload = () => {
      done()
      let body: unknown
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        body = undefined
      }
      resolve({ status: xhr.status, retryAfter: xhr.getResponseHeader('retry-after'), body })
    }
    xhr.onerror = () => {
      done()
      reject(new TransportError('network error while sending a chunk'))
    }
    xhr.ontimeout = xhr.onerror
    xhr.onabort = () => {
      done()
      reject(req.signal.reason ?? new DOMException('aborted', 'AbortError'))
    }
    xhr.send(req.body)
  })
