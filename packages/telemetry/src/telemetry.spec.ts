import { type AddressInfo, createServer } from 'node:net'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import {
  context,
  type ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  countRefusal,
  currentTraceparent,
  meters,
  setPseudonymKey,
  startTelemetry,
  type Telemetry,
  untraced,
  userPseudonym,
  withMessageSpan,
  withUploadSpan,
} from './index.ts'

const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
const tracer = () => trace.getTracer('test')

let metricsPort = 0

beforeAll(async () => {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  metricsPort = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  telemetry = startTelemetry({
    serviceName: 'telemetry-test',
    enabled: false,
    endpoint: 'http://127.0.0.1:9',
    metricsPort,
    metricsHost: '127.0.0.1',
    exporter,
  })
})
afterAll(() => telemetry.shutdown())
beforeEach(async () => {
  await finished()
  exporter.reset()
})

async function finished(): Promise<ReadableSpan[]> {
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate()
  await (provider as unknown as { forceFlush(): Promise<void> }).forceFlush()
  return exporter.getFinishedSpans()
}

const storedTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
const keys = parseUploadTokenKeys('k1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

describe('trace context of a chunk PUT', () => {
  const claims = {
    userId: 'u',
    uploadId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    fileSize: 1,
    chunkSize: 1,
    chunkCount: 1,
  }

  it('comes from the upload token when the request has no traceparent header', async () => {
    const { token } = await signUploadToken(keys, { ...claims, traceparent: storedTraceparent }, 60)
    const extracted = propagation.extract(ROOT_CONTEXT, { authorization: `Bearer ${token}` })
    expect(trace.getSpanContext(extracted)).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      isRemote: true,
    })
  })

  it('comes from a traceparent header when one is sent (the engine started the trace)', async () => {
    const { token } = await signUploadToken(keys, { ...claims, traceparent: storedTraceparent }, 60)
    const header = '00-11111111111111111111111111111111-2222222222222222-01'
    const extracted = propagation.extract(ROOT_CONTEXT, {
      authorization: `Bearer ${token}`,
      traceparent: header,
    })
    expect(trace.getSpanContext(extracted)?.traceId).toBe('11111111111111111111111111111111')
  })

  it('is absent for tokens without the claim and for anything that is not a JWT', async () => {
    const { token } = await signUploadToken(keys, claims, 60)
    for (const authorization of [
      `Bearer ${token}`,
      'Bearer nonsense',
      'Basic dXNlcjpwYXNz',
      `Bearer a.${'x'.repeat(5000)}.b`,
    ]) {
      expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { authorization }))).toBeUndefined()
    }
  })
})

describe('spans of an upload', () => {
  it('a message span joins the stored trace once entered, and holds the calls made within it', async () => {
    await withMessageSpan('chunk-event process', async (scope) => {
      // Before the record is read, nothing is traced.
      expect(trace.getActiveSpan()?.isRecording() ?? false).toBe(false)
      tracer().startSpan('before', { kind: SpanKind.CLIENT }).end()
      await scope.enter(storedTraceparent, { 'lfusys.upload.id': 'u1' }, async () => {
        tracer().startSpan('inside', { kind: SpanKind.CLIENT }).end()
      })
      await scope.within(async () => {
        tracer().startSpan('delete', { kind: SpanKind.CLIENT }).end()
      })
    })
    const spans = await finished()
    const message = spans.find((s) => s.name === 'chunk-event process')
    expect(message?.kind).toBe(SpanKind.CONSUMER)
    expect(message?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(message?.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    expect(message?.attributes['lfusys.upload.id']).toBe('u1')
    for (const name of ['inside', 'delete']) {
      expect(spans.find((s) => s.name === name)?.parentSpanContext?.spanId).toBe(
        message?.spanContext().spanId,
      )
    }
    expect(spans.map((s) => s.name)).not.toContain('before')
  })

  it('a message that never enters (malformed, unknown upload) leaves no span', async () => {
    await withMessageSpan('chunk-event process', async (scope) => {
      await scope.within(async () => tracer().startSpan('delete', { kind: SpanKind.CLIENT }).end())
    })
    expect(await finished()).toEqual([])
  })

  it('an upload span is a child inside its trace, joins it from outside, and links an unrelated request', async () => {
    await withUploadSpan('joined', storedTraceparent, {}, async () => {
      await withUploadSpan('nested', storedTraceparent, {}, async () => {})
    })
    await tracer().startActiveSpan('other request', { kind: SpanKind.SERVER }, async (span) => {
      await withUploadSpan('linked', storedTraceparent, {}, async () => {})
      span.end()
    })
    const spans = await finished()
    const byName = (n: string) => spans.find((s) => s.name === n)
    expect(byName('joined')?.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    expect(byName('nested')?.parentSpanContext?.spanId).toBe(byName('joined')?.spanContext().spanId)
    expect(byName('linked')?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(byName('linked')?.links[0]?.context.spanId).toBe(byName('other request')?.spanContext().spanId)
  })

  it('the stored traceparent is the active span context', async () => {
    const span = tracer().startSpan('create', { kind: SpanKind.SERVER })
    const traceparent = context.with(trace.setSpan(context.active(), span), currentTraceparent)
    span.end()
    expect(traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`)
  })
})

describe('sampling', () => {
  it('starts traces only at incoming work; client calls without a parent and untraced work are dropped', async () => {
    tracer().startSpan('PING', { kind: SpanKind.CLIENT }).end()
    untraced(() => tracer().startSpan('ReceiveMessage', { kind: SpanKind.CONSUMER }).end())
    await tracer().startActiveSpan('GET /x', { kind: SpanKind.SERVER }, async (server) => {
      tracer().startSpan('GET key', { kind: SpanKind.CLIENT }).end()
      server.end()
    })
    expect((await finished()).map((s) => s.name).sort()).toEqual(['GET /x', 'GET key'])
  })
})

describe('user pseudonym', () => {
  it('is a keyed hash: stable per key, never the id, absent without a key', () => {
    setPseudonymKey('first-key-of-sixteen')
    const a = userPseudonym('user-1')
    expect(a).toMatch(/^[0-9a-f]{16}$/)
    expect(userPseudonym('user-1')).toBe(a)
    expect(userPseudonym('user-2')).not.toBe(a)
    setPseudonymKey('second-key-of-sixteen')
    expect(userPseudonym('user-1')).not.toBe(a)
    setPseudonymKey(undefined)
    expect(userPseudonym('user-1')).toBeUndefined()
  })
})

describe('metrics', () => {
  it('are served as Prometheus text: refusals by route, gRPC latency from gRPC spans', async () => {
    countRefusal('/api/v1/uploads/:uploadId/chunks/:index', 503)
    countRefusal('/api/v1/uploads', 429)
    countRefusal('/api/v1/uploads', 201)
    meters().redisFallbacks.add(1, { operation: 'files-list-cache' })
    const span = tracer().startSpan('grpc.lfusys.sessions.v1.Sessions/GetUpload', {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.method': 'GetUpload',
        'rpc.service': 'lfusys.sessions.v1.Sessions',
        'rpc.grpc.status_code': 5,
      },
    })
    span.end()
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    expect(text).toMatch(
      /^lfusys_http_shed_total\{http_route="\/api\/v1\/uploads\/:uploadId\/chunks\/:index".*\} 1$/m,
    )
    expect(text).toMatch(/^lfusys_http_rate_limited_total\{http_route="\/api\/v1\/uploads".*\} 1$/m)
    expect(text).toMatch(/^lfusys_redis_fallbacks_total\{operation="files-list-cache".*\} 1$/m)
    expect(text).toMatch(
      /^lfusys_rpc_duration_count\{rpc_side="server",rpc_method="GetUpload",.*rpc_grpc_status_code="5".*\} 1$/m,
    )
  })
})
