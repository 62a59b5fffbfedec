import { type Attributes, type Meter, metrics, type ObservableResult } from '@opentelemetry/api'

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900]

function build(meter: Meter) {
  return {
    chunkBytes: meter.createCounter('lfusys.chunk.bytes', {
      unit: 'By',
      description: 'Bytes of chunks the uploads service stored (201 answers).',
    }),
    chunkPutDuration: meter.createHistogram('lfusys.chunk.put.duration', {
      unit: 's',
      description: 'Duration of chunk PUTs by HTTP status code.',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    shed: meter.createCounter('lfusys.http.shed', {
      description: '503 answers with Retry-After: load shed or a dependency unavailable, by route.',
    }),
    rateLimited: meter.createCounter('lfusys.http.rate_limited', {
      description: '429 answers, by route.',
    }),
    chunkRefused: meter.createCounter('lfusys.uploads.chunk.refused', {
      description:
        'Chunk PUTs refused by intake control, by reason (capacity, user_limit, slow_body, upload_ended).',
    }),
    finalizeDuration: meter.createHistogram('lfusys.finalize.duration', {
      unit: 's',
      description: 'Duration of finalization runs by outcome (completed, failed, lease-lost, error).',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    eventLag: meter.createHistogram('lfusys.chunk_event.lag', {
      unit: 's',
      description: 'S3 event time of a chunk object to its recording by the sessions service.',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    redisFallbacks: meter.createCounter('lfusys.redis.fallbacks', {
      description: 'Operations served without Redis (cache bypass, in-process rate limit), by operation.',
    }),
    rpcDuration: meter.createHistogram('lfusys.rpc.duration', {
      unit: 's',
      description: 'gRPC call duration by side (client/server), method and status code.',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
  }
}

let instruments: ReturnType<typeof build> | undefined

/**
 * The service metrics. Built on first use, which is after the SDK started (the `--import` entry runs
 * first), so the instruments belong to the real meter provider, not the API's no-op one.
 */
export function meters(): ReturnType<typeof build> {
  instruments ??= build(metrics.getMeter('lfusys'))
  return instruments
}

/** A gauge read at each collection (Prometheus scrape or OTLP export). */
export function observeGauge(
  name: string,
  options: { description: string; unit?: string },
  read: (result: ObservableResult<Attributes>) => void | Promise<void>,
): void {
  metrics.getMeter('lfusys').createObservableGauge(name, options).addCallback(read)
}

/** Counts the refusals operators alert on: 503 (shed, dependency down) and 429 (rate limited). */
export function countRefusal(route: string | undefined, status: number): void {
  if (status === 503) meters().shed.add(1, { 'http.route': route ?? 'unmatched' })
  else if (status === 429) meters().rateLimited.add(1, { 'http.route': route ?? 'unmatched' })
}
