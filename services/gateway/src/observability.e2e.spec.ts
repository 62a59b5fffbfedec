import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { freePort } from '@lfusys/devstack'
import { artifactsDir, type RunningSystem, startSystem, type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GOOD_PASSWORD,
  HttpBrowser,
  provisionGatewayStack,
  TEST_TOKEN_KEYS,
  uniqueEmail,
} from './testing/harness.ts'
import { UPLOAD_TOKEN_KEYS } from './testing/processes.ts'
import { chunksOf, contentHashOf, putChunk } from './testing/uploading.ts'
import type { Upload } from './uploads/types.ts'

/*
 * The services started exactly as their images start them (scripts/start-service.sh -> the package.json
 * start script -> `node --import @lfusys/telemetry/register src/server.ts`), exporting over OTLP/HTTP to
 * a receiver in this test, driven through one two-chunk upload and its download.
 */

interface OtlpValue {
  stringValue?: string
  intValue?: string | number
  boolValue?: boolean
  doubleValue?: number
}
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: { key: string; value: OtlpValue }[]
  links?: { traceId: string; spanId: string }[]
}
interface Span {
  service: string
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  name: string
  kind: number
  attrs: Record<string, string | number | boolean | undefined>
  links: { traceId: string; spanId: string }[]
}
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const

function value(v: OtlpValue): string | number | boolean | undefined {
  if (v.stringValue !== undefined) return v.stringValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return v.doubleValue
  return v.boolValue
}

/** A minimal OTLP/HTTP receiver (the JSON encoding the services' exporters send). */
function otlpReceiver() {
  const spans: Span[] = []
  const problems: string[] = []
  let metricExports = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const type = req.headers['content-type'] ?? ''
      if (!type.startsWith('application/json')) problems.push(`${req.url}: content-type ${type}`)
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        if (req.url === '/v1/traces') {
          for (const rs of body.resourceSpans ?? []) {
            const service = String(
              value(
                (rs.resource?.attributes ?? []).find((a: { key: string }) => a.key === 'service.name')
                  ?.value ?? {},
              ),
            )
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of (ss.spans ?? []) as OtlpSpan[]) {
                spans.push({
                  service,
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId || undefined,
                  name: s.name,
                  kind: s.kind,
                  attrs: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, value(a.value)])),
                  links: s.links ?? [],
                })
              }
            }
          }
        } else if (req.url === '/v1/metrics') {
          metricExports++
        } else {
          problems.push(`unexpected path ${req.url}`)
        }
      } catch (err) {
        problems.push(`${req.url}: ${String(err)}`)
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  return { server, spans, problems, metricExports: () => metricExports }
}

const receiver = otlpReceiver()
const logLines: { service: string; line: Record<string, unknown> }[] = []
const metricsPorts = { gateway: 0, uploads: 0, sessions: 0 }
let stack: TestStack
let system: RunningSystem
let stopped = false
let uploadId = ''
let bytes: Buffer

async function stopSystem() {
  if (stopped) return
  stopped = true
  // SIGTERM: each service flushes its spans on the way out.
  await system?.stop()
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
  const address = receiver.server.address()
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  for (const name of ['gateway', 'uploads', 'sessions'] as const) metricsPorts[name] = await freePort()
  stack = await provisionGatewayStack('observability')
  system = await startSystem(stack, {
    startScripts: true,
    env: {
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_METRIC_EXPORT_INTERVAL_MS: '1000',
      TELEMETRY_PSEUDONYM_KEY: 'pseudonym-key-for-the-observability-test',
      LOG_LEVEL: 'info',
      WEB_ORIGIN: 'http://web.test',
    },
    services: {
      gateway: { METRICS_PORT: String(metricsPorts.gateway) },
      uploads: { METRICS_PORT: String(metricsPorts.uploads) },
      sessions: { METRICS_PORT: String(metricsPorts.sessions) },
    },
    uploadTokenKeys: UPLOAD_TOKEN_KEYS,
    authTokenKeys: TEST_TOKEN_KEYS,
    onLine: (service, line) => {
      if (!line.startsWith('{')) return
      try {
        logLines.push({ service, line: JSON.parse(line) })
      } catch {
        // Not a log line.
      }
    },
  })

  const browser = new HttpBrowser(system.gatewayUrl)
  const reg = await browser.fetch('/api/v1/auth/register', {
    method: 'POST',
    body: { email: uniqueEmail('otel'), password: GOOD_PASSWORD },
  })
  expect(reg.status).toBe(201)
  bytes = randomBytes(9 * 1024 * 1024 + 4321)
  const res = await browser.fetch('/api/v1/uploads', {
    method: 'POST',
    body: {
      fileName: 'traced.bin',
      fileSize: bytes.length,
      contentType: 'application/octet-stream',
      contentHash: contentHashOf(bytes, 8 * 1024 * 1024),
    },
  })
  expect(res.status).toBe(201)
  const created: { upload: Upload; uploadToken: { token: string } } = await res.json()
  uploadId = created.upload.id
  const parts = chunksOf(bytes, created.upload.chunkSize)
  expect(parts.length).toBe(2)
  for (const [index, part] of parts.entries()) {
    expect((await putChunk(created.upload, created.uploadToken.token, index, part)).status).toBe(201)
  }
  const done = await waitFor(
    async () => {
      const upload: Upload = await (await browser.fetch(`/api/v1/uploads/${uploadId}`)).json()
      return upload.status === 'complete' ? upload : undefined
    },
    { timeoutMs: 60_000, what: `upload ${uploadId} to complete` },
  )
  const download = await browser.fetch(`/api/v1/files/${done.fileId}/download`)
  expect(download.status).toBe(302)
  const object = await fetch(download.headers.get('location') ?? '')
  expect(Buffer.from(await object.arrayBuffer()).equals(bytes)).toBe(true)
}, 180_000)

afterAll(async () => {
  await stopSystem()
  stack?.close()
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()))
})

const outDir = join(artifactsDir, 'observability')

/** Kept for whoever reads a failure (and the trace tree of the upload, as the receiver saw it). */
function keep(name: string, text: string) {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, name), text)
}

async function scrape(service: keyof typeof metricsPorts): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPorts[service]}/metrics`)
  expect(res.status).toBe(200)
  const text = await res.text()
  keep(`${service}.prom`, text)
  return text
}

function tree(spans: Span[], traceId: string): string {
  const inTrace = spans.filter((s) => s.traceId === traceId)
  const ids = new Set(inTrace.map((s) => s.spanId))
  const lines: string[] = []
  const walk = (s: Span, depth: number) => {
    const a = s.attrs
    const detail = [
      a['lfusys.upload.id'] && 'upload',
      a['lfusys.chunk.index'] !== undefined && `chunk ${a['lfusys.chunk.index']}`,
    ]
      .filter(Boolean)
      .join(', ')
    lines.push(`${'  '.repeat(depth)}[${s.service}] ${s.name}${detail ? ` (${detail})` : ''}`)
    for (const c of inTrace.filter((x) => x.parentSpanId === s.spanId)) walk(c, depth + 1)
  }
  for (const root of inTrace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(root, 0)
  return lines.join('\n')
}

/** The value of the first sample of `name` whose labels contain every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('metrics as shipped', () => {
  it('serve Prometheus text on each service port after an upload', async () => {
    const uploads = await scrape('uploads')
    expect(sample(uploads, 'lfusys_chunk_bytes_total')).toBe(bytes.length)
    expect(sample(uploads, 'lfusys_chunk_put_duration_count', { http_response_status_code: '201' })).toBe(2)
    expect(sample(uploads, 'lfusys_uploads_inflight_bytes')).toBe(0)

    // The last chunk's event may be handled a moment after the upload reads complete.
    const sessions = await waitFor(
      async () => {
        const text = await scrape('sessions')
        return sample(text, 'lfusys_chunk_event_lag_count') === 2 ? text : undefined
      },
      { timeoutMs: 20_000, what: 'both chunk events in the lag histogram' },
    )
    expect(sample(sessions, 'lfusys_finalize_duration_count', { outcome: 'complete' })).toBe(1)
    expect(sample(sessions, 'lfusys_queue_depth', { state: 'visible' })).toBeGreaterThanOrEqual(0)
    expect(sample(sessions, 'lfusys_queue_oldest_message_age')).toBeGreaterThanOrEqual(0)
    expect(
      sample(sessions, 'lfusys_rpc_duration_count', {
        rpc_side: 'server',
        rpc_method: 'CreateUpload',
      }),
    ).toBe(1)

    const gateway = await scrape('gateway')
    expect(
      sample(gateway, 'lfusys_rpc_duration_count', {
        rpc_side: 'client',
        rpc_method: 'CreateUpload',
        rpc_grpc_status_code: '0',
      }),
    ).toBe(1)
    expect(
      sample(gateway, 'http_server_request_duration_count', { http_route: '/api/v1/uploads' }),
    ).toBeGreaterThanOrEqual(1)
    expect(receiver.metricExports()).toBeGreaterThan(0)
  })
})

describe('traces and logs as shipped', () => {
  it('one upload is one trace from creation through chunk PUTs, events and finalization', async () => {
    await stopSystem()
    expect(receiver.problems).toEqual([])
    const spans = receiver.spans
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    const parentOf = (s: Span) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined)

    // Creation: gateway HTTP server span -> gateway gRPC client span -> sessions gRPC server span.
    const creation = spans.find(
      (s) => s.service === 'gateway' && s.kind === KIND.SERVER && s.name === 'POST /api/v1/uploads',
    )
    expect(creation, spans.map((s) => `${s.service} ${s.name}`).join('\n')).toBeDefined()
    const traceId = creation?.traceId ?? ''
    keep('upload-trace.txt', tree(spans, traceId))
    keep('spans.json', JSON.stringify(spans, null, 1))
    expect(creation?.attrs['http.route']).toBe('/api/v1/uploads')
    const inTrace = spans.filter((s) => s.traceId === traceId)
    const sessionsServer = inTrace.find(
      (s) => s.service === 'sessions' && s.kind === KIND.SERVER && s.attrs['rpc.method'] === 'CreateUpload',
    )
    expect(sessionsServer).toBeDefined()
    const grpcClient = sessionsServer && parentOf(sessionsServer)
    expect(grpcClient).toMatchObject({ service: 'gateway', kind: KIND.CLIENT })
    let ancestor: Span | undefined = grpcClient
    while (ancestor && ancestor.spanId !== creation?.spanId) ancestor = parentOf(ancestor)
    expect(ancestor, 'the gRPC client span descends from the gateway request').toBeDefined()
    expect(sessionsServer?.attrs['lfusys.upload.id']).toBe(uploadId)
    expect(sessionsServer?.attrs['lfusys.user.pseudonym']).toMatch(/^[0-9a-f]{16}$/)

    // The chunk PUTs on the uploads service join the trace through the upload token.
    const puts = inTrace.filter((s) => s.service === 'uploads' && s.kind === KIND.SERVER)
    expect(puts.map((s) => s.name)).toEqual([
      'PUT /api/v1/uploads/:uploadId/chunks/:index',
      'PUT /api/v1/uploads/:uploadId/chunks/:index',
    ])
    expect(puts.map((s) => s.attrs['lfusys.chunk.index']).sort()).toEqual([0, 1])
    expect(puts.every((s) => s.attrs['lfusys.upload.id'] === uploadId)).toBe(true)
    expect(puts.map((s) => s.attrs['lfusys.chunk.bytes']).sort()).toEqual(
      [8 * 1024 * 1024, bytes.length - 8 * 1024 * 1024].sort(),
    )
    expect(puts[0]?.attrs['lfusys.user.pseudonym']).toBe(sessionsServer?.attrs['lfusys.user.pseudonym'])

    // Event handling (one consumer span per chunk event) and finalization are in the same trace.
    const events = inTrace.filter((s) => s.service === 'sessions' && s.name === 'chunk-event process')
    expect(events.length).toBeGreaterThanOrEqual(2)
    expect(events.every((s) => s.kind === KIND.CONSUMER && s.attrs['lfusys.upload.id'] === uploadId)).toBe(
      true,
    )
    const finalize = inTrace.find((s) => s.name === 'upload.finalize')
    expect(finalize?.attrs['lfusys.outcome']).toBe('complete')

    // The dependencies' spans.
    const awsCalls = (service: string) => inTrace.filter((s) => s.attrs['rpc.service'] === service)
    expect(awsCalls('DynamoDB').length).toBeGreaterThan(0)
    expect(awsCalls('S3').length).toBeGreaterThan(0)
    expect(awsCalls('SQS').map((s) => s.attrs['rpc.method'])).toContain('DeleteMessage')
    expect(spans.some((s) => s.attrs['db.system'] === 'redis' || s.attrs['db.system.name'] === 'redis')).toBe(
      true,
    )

    // Nothing starts a trace but incoming work: no idle long poll, no health probe.
    const roots = spans.filter((s) => !s.parentSpanId)
    expect(roots.filter((s) => s.kind !== KIND.SERVER).map((s) => `${s.service} ${s.name}`)).toEqual([])
    expect(spans.filter((s) => s.attrs['rpc.method'] === 'ReceiveMessage')).toEqual([])

    // Log lines carry the trace: at least one from each service with the upload's trace id.
    const traced = new Set(logLines.filter((l) => l.line.trace_id === traceId).map((l) => l.service))
    expect([...traced].sort()).toEqual(['gateway', 'sessions', 'uploads'])
    const created = logLines.find((l) => l.line.msg === 'upload created')
    expect(created?.line.trace_id).toBe(traceId)
    expect(created?.line.span_id).toMatch(/^[0-9a-f]{16}$/)
  })
})
