import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { getRPCMetadata, RPCType, suppressTracing } from '@opentelemetry/core'

const TRACER = 'lfusys'

/** Span attributes of the upload domain. */
export const attr = {
  uploadId: 'lfusys.upload.id',
  uploadBytes: 'lfusys.upload.bytes',
  chunkIndex: 'lfusys.chunk.index',
  chunkBytes: 'lfusys.chunk.bytes',
  chunkCount: 'lfusys.upload.chunk_count',
  user: 'lfusys.user.pseudonym',
  outcome: 'lfusys.outcome',
} as const

/** The W3C traceparent of the active span (stored with an upload so later work joins its trace). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return carrier.traceparent
}

function contextOf(traceparent: string | undefined): Context | undefined {
  if (!traceparent) return undefined
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent })
  return trace.getSpanContext(extracted) ? extracted : undefined
}

/** Sets attributes on the active span; undefined values are left out. */
export function annotate(attributes: Record<string, string | number | boolean | undefined>): void {
  const span = trace.getActiveSpan()
  if (!span) return
  for (const [key, value] of Object.entries(attributes))
    if (value !== undefined) span.setAttribute(key, value)
}

/**
 * Names the active HTTP server span after its route (`PUT /api/v1/uploads/:uploadId/chunks/:index`)
 * and gives the HTTP instrumentation the route for `http.route` on spans and request metrics.
 * Called from a Fastify onRequest hook.
 */
export function nameHttpRoute(method: string, route: string | undefined): void {
  if (!route) return
  const metadata = getRPCMetadata(context.active())
  if (metadata?.type === RPCType.HTTP) metadata.route = route
  const span = trace.getActiveSpan()
  span?.updateName(`${method} ${route}`)
  span?.setAttribute('http.route', route)
}

/** Runs `fn` with tracing switched off (no spans for it or anything it calls). */
export function untraced<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn)
}

async function runInSpan<T>(span: Span, ctx: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(ctx, () => fn(span))
  } catch (err) {
    span.recordException(err instanceof Error ? err : new Error(String(err)))
    span.setStatus({ code: SpanStatusCode.ERROR })
    throw err
  } finally {
    span.end()
  }
}

/**
 * Runs `fn` in a span of the upload whose creation stored `traceparent`. Inside that upload's trace
 * already (a chunk event being handled), the span is a child of the active one; otherwise it joins
 * the stored trace, and an unrelated active span (another request) is kept as a link.
 */
export function withUploadSpan<T>(
  name: string,
  traceparent: string | undefined,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER)
  const active = trace.getActiveSpan()?.spanContext()
  const stored = contextOf(traceparent)
  const storedTrace = stored ? trace.getSpanContext(stored)?.traceId : undefined
  if (!stored || !active || active.traceId === storedTrace) {
    const parent = stored && !(active && active.traceId === storedTrace) ? stored : context.active()
    const span = tracer.startSpan(name, { attributes }, parent)
    return runInSpan(span, trace.setSpan(parent, span), fn)
  }
  const span = tracer.startSpan(name, { attributes, links: [{ context: active }] }, stored)
  return runInSpan(span, trace.setSpan(stored, span), fn)
}

/** What a message handler gets from `withMessageSpan`. */
export interface MessageTrace {
  /**
   * Starts the message's span as a child of the upload's stored traceparent (once known) and runs
   * `fn` in it. Called again, it just runs `fn` in the same span.
   */
  enter<T>(traceparent: string | undefined, attributes: Attributes, fn: () => Promise<T>): Promise<T>
  /** Runs `fn` in the message's span when it was entered, untraced otherwise. */
  within<T>(fn: () => Promise<T>): Promise<T>
}

/**
 * Handling of one queue message, traced in the trace of the upload it concerns. Which upload that is
 * (and its stored traceparent) is known only after the first read, so `fn` starts untraced and calls
 * `enter` once it has the record; the span's start time is the message's, so the read is inside it.
 * A message that never enters (malformed, unknown upload) leaves no span, so idle work adds no traces.
 */
export async function withMessageSpan<T>(name: string, fn: (trace: MessageTrace) => Promise<T>): Promise<T> {
  const startTime = Date.now()
  const quiet = suppressTracing(context.active())
  let span: Span | undefined
  let spanContext: Context | undefined
  const scope: MessageTrace = {
    enter(traceparent, attributes, inner) {
      if (!span) {
        const parent = contextOf(traceparent) ?? ROOT_CONTEXT
        span = trace
          .getTracer(TRACER)
          .startSpan(name, { kind: SpanKind.CONSUMER, startTime, attributes }, parent)
        spanContext = trace.setSpan(parent, span)
      } else {
        span.setAttributes(attributes)
      }
      return context.with(spanContext as Context, inner)
    },
    within(inner) {
      return context.with(spanContext ?? quiet, inner)
    },
  }
  try {
    return await context.with(quiet, () => fn(scope))
  } catch (err) {
    span?.recordException(err instanceof Error ? err : new Error(String(err)))
    span?.setStatus({ code: SpanStatusCode.ERROR })
    throw err
  } finally {
    span?.end()
  }
}
