/**
 * Telemetry overhead benchmark. Not a test: it prints numbers.
 *
 *   pnpm --filter @lfusys/bench bench:telemetry [--size-mib 256] [--concurrency 4] [--rounds 3]
 *
 * The sessions and uploads services run twice per round, alternating:
 *   off  `node src/server.ts` - no instrumentation loaded at all (the baseline);
 *   on   `scripts/start-service.sh <service>` - the shipped start path (`--import
 *        @lfusys/telemetry/register`) with OTLP export of traces and metrics to a receiver in this
 *        process and the Prometheus endpoint served.
 * Each run creates one upload over gRPC, PUTs its chunks to the uploads service with `--concurrency`
 * in flight, and waits for `complete`. Printed: chunk PUT throughput, the CPU seconds per GiB the
 * two services used (from /proc), and the last 201 -> complete time; each mode's best round.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Agent, createServer } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import { CALLER_TOKEN_METADATA, callerAuthorization, parseCallerTokenKeys } from '@lfusys/caller-token'
import { formatContentDigest, MiB } from '@lfusys/contracts'
import { freePort, portInUse, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import {
  type CreateUploadResponse__Output,
  createSessionsClient,
  type SessionsClient,
  type UploadSession__Output,
} from '@lfusys/proto'
import { startStackProcess } from '@lfusys/testing/stackProcess'
import { putChunk } from './chunkPut.ts'
import { cpuSecondsOf } from './procStats.ts'

const repoRoot = join(import.meta.dirname, '..')
const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
})
const sizeMiB = Number(args['size-mib'])
const concurrency = Number(args.concurrency)
const rounds = Number(args.rounds)
const chunkSize = 8 * MiB
if (!Number.isInteger(sizeMiB) || sizeMiB < 8 || sizeMiB % 8 !== 0)
  throw new Error('--size-mib: a multiple of 8')
const fileSize = sizeMiB * MiB
const chunkCount = fileSize / chunkSize
// Every chunk has the same content: the pipeline's work does not depend on it.
const chunk = randomBytes(chunkSize)
const digest = formatContentDigest(
  new Uint8Array((await crypto.subtle.digest('SHA-256', chunk)) as ArrayBuffer),
)

type Mode = 'off' | 'on'
// Sessions signs upload tokens, uploads verifies them.
const tokenKeys = `bench:${randomBytes(32).toString('hex')}`
// The gateway signs a caller token for every sessions call; the bench plays the gateway.
const serviceKeys = `svc:${randomBytes(32).toString('hex')}`

/** An OTLP/HTTP receiver that only counts what it is sent. */
const received = { requests: 0, bytes: 0 }
const sink = createServer((req, res) => {
  req.on('data', (c: Buffer) => {
    received.bytes += c.length
  })
  req.on('end', () => {
    received.requests++
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
const sinkAddress = sink.address()
const otlpEndpoint = `http://127.0.0.1:${typeof sinkAddress === 'object' && sinkAddress ? sinkAddress.port : 0}`

function spawnService(name: 'sessions' | 'uploads', mode: Mode, env: Record<string, string>) {
  const common = {
    PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
    ...env,
    UPLOAD_TOKEN_KEYS: tokenKeys,
    SERVICE_TOKEN_KEYS: serviceKeys,
    WEB_ORIGIN: 'http://127.0.0.1:5173',
    LOG_LEVEL: 'warn',
  }
  if (mode === 'off') {
    const flags = name === 'uploads' ? ['--max-semi-space-size=1'] : []
    return spawnManaged(
      name,
      process.execPath,
      [...flags, join(repoRoot, 'services', name, 'src', 'server.ts')],
      {
        cwd: repoRoot,
        env: common,
      },
    )
  }
  return spawnManaged(name, 'sh', [join(repoRoot, 'scripts', 'start-service.sh'), name], {
    cwd: repoRoot,
    env: {
      ...common,
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      OTEL_METRIC_EXPORT_INTERVAL_MS: '5000',
      TELEMETRY_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789',
    },
  })
}

function call<Res>(
  metadata: grpc.Metadata,
  invoke: (
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Res) => void,
  ) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(metadata, { deadline: Date.now() + 30_000 }, (err, res) => {
      if (err) reject(err)
      else if (res === undefined) reject(new Error('empty gRPC answer'))
      else resolve(res)
    })
  })
}

interface Result {
  mibPerSecond: number
  cpuPerGiB: { uploads: number; sessions: number }
  completeSeconds: number
}

async function runOnce(mode: Mode, env: Record<string, string>): Promise<Result> {
  const uploadsPort = await freePort()
  const grpcPort = await freePort()
  const uploadsUrl = `http://127.0.0.1:${uploadsPort}`
  const uploads = spawnService('uploads', mode, {
    ...env,
    UPLOADS_PORT: String(uploadsPort),
    METRICS_PORT: String(await freePort()),
  })
  const sessions = spawnService('sessions', mode, {
    ...env,
    SESSIONS_GRPC_PORT: String(grpcPort),
    UPLOADS_PUBLIC_URL: uploadsUrl,
    METRICS_PORT: String(await freePort()),
  })
  let client: SessionsClient | undefined
  try {
    await waitUntilReady(
      'uploads',
      async () => (await fetch(`${uploadsUrl}/health/ready`).catch(() => undefined))?.status === 200,
      {
        timeoutMs: 60_000,
        process: uploads,
      },
    )
    await waitUntilReady('sessions', () => portInUse(grpcPort), { timeoutMs: 60_000, process: sessions })
    client = createSessionsClient(`127.0.0.1:${grpcPort}`)
    const sessionsClient = client
    // `sh` execs node, so the pid is the service's own.
    const pids = { uploads: uploads.child.pid ?? 0, sessions: sessions.child.pid ?? 0 }
    const caller = { userId: `bench-${randomUUID()}`, isAdmin: false }
    const metadata = new grpc.Metadata()
    metadata.set(CALLER_TOKEN_METADATA, await callerAuthorization(parseCallerTokenKeys(serviceKeys), caller))
    const created = await call<CreateUploadResponse__Output>(metadata, (m, o, cb) =>
      sessionsClient.CreateUpload(
        { caller, fileName: 'bench.bin', fileSize, contentType: 'application/octet-stream' },
        m,
        o,
        cb,
      ),
    )
    const session = created.upload?.session
    const token = created.upload?.uploadToken?.token
    if (!session || !token) throw new Error('CreateUpload did not start an upload')
    if (Number(session.chunkSize) !== chunkSize)
      throw new Error(`chunk size ${session.chunkSize}, expected ${chunkSize}`)
    const cpu0 = { uploads: cpuSecondsOf(pids.uploads), sessions: cpuSecondsOf(pids.sessions) }
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
    const started = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let index = next++; index < chunkCount; index = next++) {
          for (;;) {
            const res = await putChunk(
              agent,
              `${uploadsUrl}/api/v1/uploads/${session.uploadId}/chunks/${index}`,
              token,
              chunk,
              { digest },
            )
            if (res.status === 201) break
            if (res.status !== 503) throw new Error(`chunk ${index}: HTTP ${res.status}`)
            await new Promise((r) => setTimeout(r, res.retryAfter * 1000))
          }
        }
      }),
    )
    const putSeconds = (performance.now() - started) / 1000
    agent.destroy()
    for (;;) {
      const current = await call<UploadSession__Output>(metadata, (m, o, cb) =>
        sessionsClient.GetUpload({ caller, uploadId: session.uploadId }, m, o, cb),
      )
      if (current.status === 'UPLOAD_STATUS_COMPLETE') break
      if (current.status === 'UPLOAD_STATUS_FAILED')
        throw new Error(`upload failed: ${current.failureReason}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const completeSeconds = (performance.now() - started) / 1000 - putSeconds
    const gib = fileSize / (1024 * MiB)
    return {
      mibPerSecond: sizeMiB / putSeconds,
      cpuPerGiB: {
        uploads: (cpuSecondsOf(pids.uploads) - cpu0.uploads) / gib,
        sessions: (cpuSecondsOf(pids.sessions) - cpu0.sessions) / gib,
      },
      completeSeconds,
    }
  } finally {
    client?.close()
    await Promise.all([uploads.stop(), sessions.stop()])
  }
}

/** Each figure's best round: contention on a shared machine only ever makes figures worse. */
function best(results: Result[]): Result {
  return {
    mibPerSecond: Math.max(...results.map((r) => r.mibPerSecond)),
    cpuPerGiB: {
      uploads: Math.min(...results.map((r) => r.cpuPerGiB.uploads)),
      sessions: Math.min(...results.map((r) => r.cpuPerGiB.sessions)),
    },
    completeSeconds: Math.min(...results.map((r) => r.completeSeconds)),
  }
}

const emulators = await startStackProcess('telemetry')
const results: Record<Mode, Result[]> = { off: [], on: [] }
try {
  console.log(
    `telemetry bench: ${sizeMiB} MiB in ${chunkCount} chunks of 8 MiB, ${concurrency} in flight, ${rounds} rounds; ` +
      `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}`,
  )
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const r = await runOnce(mode, emulators.env)
      results[mode].push(r)
      console.log(
        `round ${round} ${mode.padEnd(3)}: ${r.mibPerSecond.toFixed(1)} MiB/s, uploads ${r.cpuPerGiB.uploads.toFixed(2)} CPU-s/GiB, ` +
          `sessions ${r.cpuPerGiB.sessions.toFixed(2)} CPU-s/GiB, last 201 -> complete ${r.completeSeconds.toFixed(2)} s`,
      )
    }
  }
  const off = best(results.off)
  const on = best(results.on)
  const cpuOff = off.cpuPerGiB.uploads + off.cpuPerGiB.sessions
  const cpuOn = on.cpuPerGiB.uploads + on.cpuPerGiB.sessions
  console.log('\nbest of each mode')
  console.log(
    `  throughput      off ${off.mibPerSecond.toFixed(1)} MiB/s, on ${on.mibPerSecond.toFixed(1)} MiB/s (${(((off.mibPerSecond - on.mibPerSecond) / off.mibPerSecond) * 100).toFixed(1)} % lower with telemetry)`,
  )
  console.log(
    `  CPU (both)      off ${cpuOff.toFixed(2)} CPU-s/GiB, on ${cpuOn.toFixed(2)} CPU-s/GiB (+${(cpuOn - cpuOff).toFixed(2)} CPU-s/GiB)`,
  )
  console.log(
    `  complete        off ${off.completeSeconds.toFixed(2)} s, on ${on.completeSeconds.toFixed(2)} s after the last 201`,
  )
  console.log(`  OTLP received   ${received.requests} requests, ${(received.bytes / 1024).toFixed(0)} KiB`)
} finally {
  await emulators.process.stop()
  sink.close()
}
