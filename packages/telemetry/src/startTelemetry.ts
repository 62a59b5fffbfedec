import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk'
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'

export interface TelemetryOptions {
  serviceName: string
  /** Export spans over OTLP/HTTP; when false, context still propagates (trace ids in logs stay valid). */
  enabled: boolean
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (Jaeger). */
  endpoint: string
  /** Tests pass an in-memory exporter. */
  exporter?: SpanExporter
}

export interface Telemetry {
  shutdown(): Promise<void>
}

/**
 * Starts OpenTelemetry for a service: HTTP (Fastify rides on it), gRPC, the AWS SDK, ioredis, and
 * pino (trace_id/span_id on every log line). Call it before the instrumented modules are imported:
 * `server.ts` starts telemetry, then imports the app dynamically.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const exporter =
    options.exporter ??
    (options.enabled
      ? new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` })
      : undefined)
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: '0.1.0',
    }),
    spanProcessors: exporter ? [new BatchSpanProcessor(exporter)] : [],
    // Traces only. Left unset, the SDK builds OTLP metric and log exporters from the environment,
    // whose final flush to an absent collector held every shutdown for about 9 s.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Health probes would drown real traffic.
        ignoreIncomingRequestHook: (req) => (req.url ?? '').startsWith('/health'),
      }),
      new GrpcInstrumentation(),
      new AwsInstrumentation({
        suppressInternalInstrumentation: true,
        sqsExtractContextPropagationFromPayload: true,
      }),
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
