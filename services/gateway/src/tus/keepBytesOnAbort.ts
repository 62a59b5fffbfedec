import type { Readable } from 'node:stream'
import { isAppError } from '@lfusys/errors'
import { TusError } from './TusError.ts'

const keptBytes = new WeakMap<Readable, Buffer[]>()

/**
 * Keeps what a request body had buffered when its client went away: Node discards a destroyed
 * stream's buffer, so it is read out in the 'aborted' event (before the handler may even have
 * started reading). Bounded by the stream's own buffering (its high-water mark).
 */
export function keepBytesOnAbort(body: Readable): void {
  body.once('aborted', () => {
    const pieces: Buffer[] = []
    for (let piece = body.read() as Buffer | null; piece !== null; piece = body.read() as Buffer | null) {
      pieces.push(piece)
    }
    keptBytes.set(body, pieces)
  })
}

/** The bytes kept by keepBytesOnAbort, handed over once. */
export function takeKeptBytes(body: Readable): Buffer[] {
  const pieces = keptBytes.get(body) ?? []
  keptBytes.delete(body)
  return pieces
}

/** The client went away (or stalled and was cut off), as opposed to a refusal of ours. */
export function isClientAbort(err: unknown, body: Readable): boolean {
  if (isAppError(err) || err instanceof TusError) return false
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || body.destroyed
}
