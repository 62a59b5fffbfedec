export interface SseEvent {
  event: string
  data: string
}

/**
 * Parses a text/event-stream body (WHATWG HTML 9.2). Comment lines (the gateway's `: heartbeat`)
 * and fields other than event/data are ignored. Works on fetch bodies in browsers and Node, so one
 * code path serves the web app and the CLI (EventSource cannot be given headers, and Node lacks it).
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (;;) {
        const nl = buffer.search(/\r\n|\r|\n/)
        if (nl < 0) break
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1))
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
          event = ''
          data = []
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const name = colon < 0 ? line : line.slice(0, colon)
        let val = colon < 0 ? '' : line.slice(colon + 1)
        if (val.startsWith(' ')) val = val.slice(1)
        if (name === 'event') event = val
        else if (name === 'data') data.push(val)
      }
    }
  } finally {
    // Stops the underlying request when the consumer leaves early (final state seen, or aborted).
    await reader.cancel().catch(() => undefined)
  }
}
