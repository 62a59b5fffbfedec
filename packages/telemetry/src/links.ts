import { context, type Link, propagation, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api'

/**
 * One trace per upload: session creation stores the W3C traceparent of its span with the session,
 * and the consumer, which runs in another process much later, links its finalization span to it.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  return carrier.traceparent
}

export function linkFromTraceparent(traceparent: string | undefined): Link[] {
  if (!traceparent) return []
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent })
  const spanContext = trace.getSpanContext(extracted)
  return spanContext ? [{ context: spanContext }] : []
}

/** Runs `fn` in a new span linked to the upload's stored trace. */
export async function withLinkedSpan<T>(
  tracerName: string,
  spanName: string,
  traceparent: string | undefined,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(tracerName)
  return tracer.startActiveSpan(
    spanName,
    { links: linkFromTraceparent(traceparent), attributes },
    async (span) => {
      try {
        return await fn(span)
      } catch (err) {
        span.recordException(err instanceof Error ? err : new Error(String(err)))
        span.setStatus({ code: 2 })
        throw err
      } finally {
        span.end()
      }
    },
  )
}
