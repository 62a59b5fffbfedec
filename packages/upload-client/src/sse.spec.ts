import { describe, expect, it } from 'vitest'
import { readSse } from './sse.ts'

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(enc.encode(p))
      controller.close()
    },
  })
}

async function collect(parts: string[]) {
  const out = []
  for await (const ev of readSse(streamOf(parts))) out.push(ev)
  return out
}

describe('readSse', () => {
  it('skips heartbeat comments and joins multi-line data', async () => {
    expect(await collect([': heartbeat\n\n', 'event: upload\ndata: {"a":1,\ndata: "b":2}\n\n'])).toEqual([
      { event: 'upload', data: '{"a":1,\n"b":2}' },
    ])
  })

  it('handles events split across reads and CRLF line endings', async () => {
    expect(await collect(['event: up', 'load\r\ndata: x', 'y\r\n', '\r\n', 'data: z\n\n'])).toEqual([
      { event: 'upload', data: 'xy' },
      { event: 'message', data: 'z' },
    ])
  })

  it('drops an event cut off by the end of the stream', async () => {
    expect(await collect(['event: upload\ndata: {"partial"'])).toEqual([])
  })
})
