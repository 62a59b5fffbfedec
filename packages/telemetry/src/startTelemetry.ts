import { type Context, type Link, SpanKind } from '@opentelemetry/api'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk'
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { type IMetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { NodeSDK } from '@opentelemetry/sdk-node'
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import { meters } from './metrics.ts'
import { UploadTokenPropagator } from './propagation.ts'

export interface TelemetryOptions {
  serviceName: string
  /** Export traces and metrics over OTLP/HTTP; when false, context still propagates (trace ids in logs). */
  enabled: boolean
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (Jaeger, or the collector sidecar). */
  endpoint: string
  /** Port of the Prometheus text endpoint (`/metrics`); 0 serves none. */
  metricsPort: number
  metricsHost: string
  metricsExportIntervalMs?: number
  /** Tests pass an in-memory exporter. */
  exporter?: SpanExporter
}

export interface Telemetry {
  shutdown(): Promise<void>
}

/**
 * Traces start only at work that arrives from outside: server and consumer spans, or spans of our
 * own code. A client call with no parent (a health probe's Redis PING, an S3 check at start, a
 * background sweep) would otherwise be a one-span trace of its own.
 */
class EntryPointSampler implements Sampler {
  shouldSample(_ctx: Context, _traceId: string, _name: string, kind: SpanKind, _a: unknown, _l: Link[]) {
    const result: SamplingResult = {
      decision:
        kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER
          ? SamplingDecision.NOT_RECORD
          : SamplingDecision.RECORD_AND_SAMPLED,
    }
    return result
  }
  toString() {
    return 'EntryPointSampler'
  }
}

/** gRPC latency and status codes, from the gRPC instrumentation's spans (client and server side). */
class RpcMetricsProcessor implements SpanProcessor {
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const a = span.attributes
    if (a['rpc.system'] !== 'grpc') return
    const seconds = span.duration[0] + span.duration[1] / 1e9
    meters().rpcDuration.record(seconds, {
      'rpc.side': span.kind === SpanKind.SERVER ? 'server' : 'client',
      'rpc.method': String(a['rpc.method'] ?? ''),
      'rpc.service': String(a['rpc.service'] ?? ''),
      'rpc.grpc.status_code': Number(a['rpc.grpc.status_code'] ?? -1),
    })
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const ignoredPaths = /^\/(health|metrics)(\/|$|\?)/

/**
 * Starts OpenTelemetry for a service: HTTP (Fastify rides on it), gRPC, the AWS SDK, ioredis and pino
 * (trace_id/span_id on every log line), the OTLP trace and metric exporters and the Prometheus
 * endpoint. ESM modules are only patched when the loader hook is registered before they load: the
 * `--import @lfusys/telemetry/register` entry does both, before the service's own code.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const base = options.endpoint.replace(/\/$/, '')
  const exporter =
    options.exporter ?? (options.enabled ? new OTLPTraceExporter({ url: `${base}/v1/traces` }) : undefined)
  const readers: IMetricReader[] = []
  if (options.enabled) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: options.metricsExportIntervalMs ?? 30_000,
      }),
    )
  }
  if (options.metricsPort > 0) {
    readers.push(new PrometheusExporter({ host: options.metricsHost, port: options.metricsPort }))
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: '0.1.0',
    }),
    autoDetectResources: false,
    sampler: new ParentBasedSampler({ root: new EntryPointSampler() }),
    textMapPropagator: new CompositePropagator({
      propagators: [new UploadTokenPropagator(), new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    spanProcessors: [new RpcMetricsProcessor(), ...(exporter ? [new BatchSpanProcessor({ exporter })] : [])],
    metricReaders: readers,
    // No OTLP log export: logs go to stdout as JSON with trace ids.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown real traffic.
        ignoreIncomingRequestHook: (req) => ignoredPaths.test(req.url ?? ''),
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
      new IORedisInstrumentation(),
      new PinoInstrumentation(),
    ],
  })
  sdk.start()
  return {
    async shutdown() {
      await sdk.shutdown().catch(() => {})
    },
  }
}
