import { createHash } from 'node:crypto'
import type { Upload } from '../uploads/types.ts'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest()

export function chunksOf(bytes: Buffer, chunkSize: number): Buffer[] {
  if (bytes.length === 0) return [Buffer.alloc(0)]
  const out: Buffer[] = []
  for (let at = 0; at < bytes.length; at += chunkSize) out.push(bytes.subarray(at, at + chunkSize))
  return out
}

/** The protocol's content hash: SHA-256 over the raw SHA-256 digests of the chunks, hex. */
export function contentHashOf(bytes: Buffer, chunkSize: number): string {
  return sha256(Buffer.concat(chunksOf(bytes, chunkSize).map(sha256))).toString('hex')
}

export async function putChunk(
  upload: Upload,
  token: string,
  index: number,
  body: Buffer,
): Promise<Response> {
  return fetch(`${upload.chunkUploadUrl}/${index}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-digest': `sha-256=:${sha256(body).toString('base64')}:`,
      'content-type': 'application/octet-stream',
    },
    body,
  })
}

export interface SseEvent {
  event: string
  data: string
}

/** Reads a text/event-stream response; comments (heartbeats) are reported with event ':'. */
export async function* readSse(res: Response): AsyncGenerator<SseEvent> {
  const reader = res.body?.getReader()
  if (!reader) return
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) yield { event: ':', data: line.slice(1).trim() }
        else if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).trim())
      }
      if (data.length > 0) yield { event, data: data.join('\n') }
    }
  }
}
