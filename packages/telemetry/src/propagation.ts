import {
  type Context,
  defaultTextMapGetter,
  type TextMapGetter,
  type TextMapPropagator,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'

/** The upload token claim that carries the W3C traceparent of the upload's creation. */
export const TRACE_CLAIM = 'trc'

const w3c = new W3CTraceContextPropagator()
const bearerJwt = /^Bearer [A-Za-z0-9_-]+\.([A-Za-z0-9_-]{1,4096})\.[A-Za-z0-9_-]+$/

/**
 * Chunk PUTs join their upload's trace without any help from the client: the upload token (a JWT
 * the sessions service signs at creation) carries the creation's traceparent in its `trc` claim,
 * and this propagator makes it the parent of the incoming request's server span. The payload is
 * read before the signature is checked, which is fine for a trace parent: a W3C `traceparent`
 * header is just as unauthenticated, and when one is sent it wins (the propagator runs first in
 * the composite, so the header's extraction overrides it).
 */
export class UploadTokenPropagator implements TextMapPropagator {
  inject(): void {}

  extract(context: Context, carrier: unknown, getter: TextMapGetter = defaultTextMapGetter): Context {
    const raw = getter.get(carrier, 'authorization')
    const header = Array.isArray(raw) ? raw[0] : raw
    if (!header) return context
    const match = bearerJwt.exec(header)
    if (!match?.[1]) return context
    let traceparent: unknown
    try {
      traceparent = (
        JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as Record<string, unknown>
      )[TRACE_CLAIM]
    } catch {
      return context
    }
    if (typeof traceparent !== 'string') return context
    return w3c.extract(context, { traceparent }, defaultTextMapGetter)
  }

  fields(): string[] {
    return []
  }
}
