import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const received: string[] = []
const collector = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => {
    body += c
  })
  req.on('end', () => {
    if (req.url === '/v1/traces') received.push(body)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
let endpoint = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  const address = collector.address()
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())))

describe('startTelemetry', () => {
  it('exports server and client spans of an instrumented process over OTLP/HTTP', async () => {
    const script = fileURLToPath(new URL('../test-fixtures/tracedChild.ts', import.meta.url))
    // Asynchronous on purpose: the collector answers from this process's event loop.
    const child = spawn(process.execPath, [script, endpoint], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c) => {
      stderr += c
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code, stderr).toBe(0)
    const all = received.join('\n')
    expect(all).toContain('telemetry-probe')
    // One SERVER span (kind 2) and one CLIENT span (kind 3) for the same request, same trace.
    const spans = received.flatMap((b) =>
      (JSON.parse(b).resourceSpans ?? []).flatMap(
        (rs: { scopeSpans: { spans: { kind: number; traceId: string }[] }[] }) =>
          rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    )
    const server = spans.find((s: { kind: number }) => s.kind === 2)
    const client = spans.find((s: { kind: number }) => s.kind === 3)
    expect(server).toBeDefined()
    expect(client).toBeDefined()
    expect(server?.traceId).toBe(client?.traceId)
  })
})
