/**
 * Chunk intake fairness benchmark. Not a test: it prints numbers.
 *
 *   pnpm --filter @lfusys/bench bench:fairness [--quick] [--big 30] [--small-runs 20]
 *
 * Emulators (a devstack child), the uploads service and the sessions service each run in their own
 * process. Every scenario runs twice, side by side, against an uploads process started with
 *   one pool  the intake as it was: one pool of UPLOADS_MAX_CONCURRENT_CHUNKS slots, no per-user
 *             cap, no minimum transfer rate;
 *   fair      the defaults: small-chunk lane, per-user cap from the token, minimum transfer rate.
 * Scenarios:
 *   A  `--big` concurrent 32 MiB uploads (each its own user, 4 chunk PUTs in parallel, new uploads
 *      started as they complete) while one client measures 1 KiB uploads, CreateUpload ->
 *      `complete`, honouring Retry-After on 503/429 as the engine does;
 *   B  one account opens 16 chunk PUTs of 8 MiB and trickles each at 40 KiB/s (above the minimum
 *      rate, so only its per-user cap holds it back) while another user PUTs 1 MiB chunks, 4 at a
 *      time: the time from first try to 201 of each, with and without the trickler.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import * as grpc from '@grpc/grpc-js'
import { CALLER_TOKEN_METADATA, callerAuthorization, parseCallerTokenKeys } from '@lfusys/caller-token'
import { chunkRange, contentHashFromDigests, formatContentDigest, MiB } from '@lfusys/contracts'
import { freePort, type ManagedProcess } from '@lfusys/devstack'
import {
  type CreateUploadResponse__Output,
  createSessionsClient,
  type SessionsClient,
  type UploadSession__Output,
} from '@lfusys/proto'
import { startStackProcess } from '@lfusys/testing/stackProcess'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import { percentile, startSessionsProcess, startUploadsProcess, table } from './benchKit.ts'
import { putChunk } from './chunkPut.ts'

/** The 1 KiB client's worker thread signs with the main thread's keys. */
const shared = (isMainThread ? {} : workerData) as {
  serviceKeysText?: string
  sessionsAddress?: string
  probes?: Record<string, string>
  smallRuns?: number
}
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    big: { type: 'string' },
    'small-runs': { type: 'string' },
    scenarios: { type: 'string', default: 'A,B' },
    configs: { type: 'string', default: 'one pool,fair' },
  },
})
const BIG = Number(args.big ?? (args.quick ? 8 : 30))
const SMALL_RUNS = shared.smallRuns ?? Number(args['small-runs'] ?? (args.quick ? 8 : 20))
const VICTIM_PUTS = args.quick ? 8 : 16
/** A victim's PUT that is still refused after this long is counted as given up. */
const GIVE_UP_S = 20
const now = () => performance.now() / 1000
const log = (msg: string) => console.error(`[fairness] ${msg}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const CONFIGS = {
  'one pool': {
    UPLOADS_SMALL_CHUNK_SLOTS: '0',
    UPLOADS_MAX_CHUNKS_PER_USER: '10000',
    UPLOADS_MIN_TRANSFER_BYTES_PER_SECOND: '0',
  },
  fair: {},
} as const
type ConfigName = keyof typeof CONFIGS

const serviceKeysText = shared.serviceKeysText ?? `bench1:${randomBytes(32).toString('base64url')}`
const serviceKeys = parseCallerTokenKeys(serviceKeysText)
const tokenKeysText = `bench1:${randomBytes(24).toString('hex')}`
const tokenKeys = parseUploadTokenKeys(tokenKeysText)

async function call<Res>(
  userId: string,
  invoke: (
    md: grpc.Metadata,
    o: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Res) => void,
  ) => unknown,
): Promise<Res> {
  const metadata = new grpc.Metadata()
  metadata.set(CALLER_TOKEN_METADATA, await callerAuthorization(serviceKeys, { userId, isAdmin: false }))
  return new Promise((resolve, reject) => {
    invoke(metadata, { deadline: Date.now() + 60_000 }, (err, res) => {
      if (err) reject(err)
      else if (res === undefined) reject(new Error('empty gRPC answer'))
      else resolve(res)
    })
  })
}

/** PUTs until 201, waiting Retry-After after 503/429 and a short pause after network errors. */
async function putRetrying(agent: Agent, url: string, token: string, body: Buffer, giveUpAt = Infinity) {
  let refusals = 0
  for (;;) {
    const res = await putChunk(agent, url, token, body, { timeoutMs: 60_000 }).catch(() => ({
      status: 0,
      retryAfter: 0.2,
    }))
    if (res.status === 201) return { ok: true, refusals }
    if (res.status !== 0 && res.status !== 503 && res.status !== 429 && res.status !== 408) {
      throw new Error(`chunk PUT: HTTP ${res.status}`)
    }
    refusals++
    if (now() + res.retryAfter > giveUpAt) return { ok: false, refusals }
    await sleep(res.retryAfter * 1000)
  }
}

async function waitComplete(sessions: SessionsClient, userId: string, uploadId: string) {
  const started = now()
  for (;;) {
    // A busy store answers UNAVAILABLE with a retry-after: wait and ask again, as the engine does.
    const s = await call<UploadSession__Output>(userId, (md, o, cb) =>
      sessions.GetUpload({ caller: { userId, isAdmin: false }, uploadId }, md, o, cb),
    ).catch((err: { code?: number }) => {
      if (err.code === grpc.status.UNAVAILABLE) return undefined
      throw err
    })
    if (!s) {
      await sleep(1000)
      continue
    }
    if (s.status === 'UPLOAD_STATUS_COMPLETE') return
    if (s.status === 'UPLOAD_STATUS_FAILED') throw new Error(`upload failed: ${s.failureReason}`)
    if (now() - started > 300) throw new Error('upload did not complete in 300 s')
    await sleep(20)
  }
}

/**
 * One whole upload through the system, as the engine runs it: create, PUT every chunk (4 at a time),
 * the completion call, wait for `complete`.
 */
async function uploadFile(
  sessions: SessionsClient,
  agent: Agent,
  userId: string,
  bytes: Buffer,
  contentHash?: string,
) {
  const created = await call<CreateUploadResponse__Output>(userId, (md, o, cb) =>
    sessions.CreateUpload(
      {
        caller: { userId, isAdmin: false },
        fileName: `f-${randomUUID()}.bin`,
        fileSize: bytes.length,
        contentType: 'application/octet-stream',
        ...(contentHash ? { contentHash } : {}),
      },
      md,
      o,
      cb,
    ),
  )
  const createdAt = now()
  const session = created.upload?.session
  const token = created.upload?.uploadToken?.token
  if (!session || !token) throw new Error('CreateUpload did not start an upload')
  const plan = { fileSize: session.fileSize, chunkSize: session.chunkSize, chunkCount: session.chunkCount }
  let next = 0
  let refusals = 0
  await Promise.all(
    Array.from({ length: Math.min(4, plan.chunkCount) }, async () => {
      while (next < plan.chunkCount) {
        const i = next++
        const { start, end } = chunkRange(plan, i)
        const r = await putRetrying(
          agent,
          `${session.chunkUploadUrl}/${i}`,
          token,
          bytes.subarray(start, end),
        )
        refusals += r.refusals
      }
    }),
  )
  const storedAt = now()
  // As the engine does: say every chunk is stored (CompleteUpload), then follow the upload. When the
  // call fails the chunk events still finish it.
  await call<UploadSession__Output>(userId, (md, o, cb) =>
    sessions.CompleteUpload({ caller: { userId, isAdmin: false }, uploadId: session.uploadId }, md, o, cb),
  ).catch(() => undefined)
  const completionCalledAt = now()
  await waitComplete(sessions, userId, session.uploadId)
  return { refusals, createdAt, storedAt, completionCalledAt }
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? 'n/m' : v.toFixed(digits))

// ---------------------------------------------------------------------------------------------
// Scenarios

async function scenarioA(sessions: SessionsClient, sessionsAddress: string, probes: Record<string, string>) {
  const agent = new Agent({ keepAlive: true, maxSockets: BIG * 4 + 8 })
  const base = randomBytes(32 * MiB)
  let stop = false
  let bigDone = 0
  let bigFailed = 0
  const background = Array.from({ length: BIG }, async (_, n) => {
    const userId = `big-${n}-${randomUUID()}`
    while (!stop) {
      const bytes = Buffer.from(base)
      randomBytes(32).copy(bytes, 0) // distinct content, so nothing is deduplicated
      try {
        await uploadFile(sessions, agent, userId, bytes)
        bigDone++
      } catch (err) {
        bigFailed++
        log(`  32 MiB upload failed: ${String(err).slice(0, 200)}`)
      }
    }
  })
  // Let the big uploads fill the intake first.
  await sleep(5000)
  // The 1 KiB client is another user: it gets an event loop of its own (a worker thread), so its
  // times are the system's, not this process's lag from driving 30 big uploads.
  const small = await new Promise<SmallResult>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { sessionsAddress, serviceKeysText, probes, smallRuns: SMALL_RUNS },
    })
    worker.on('message', (m: { line?: string; result?: SmallResult }) => {
      if (m.line) log(`${m.line} (32 MiB uploads done so far: ${bigDone})`)
      if (m.result) resolve(m.result)
    })
    worker.on('error', reject)
    worker.on('exit', (code) => reject(new Error(`1 KiB client exited with ${code}`)))
  })
  stop = true
  log('scenario A: waiting for the big uploads in progress to finish')
  await Promise.all(background)
  agent.destroy()
  return { ...small, bigDone: `${bigDone}${bigFailed ? ` (${bigFailed} failed)` : ''}` }
}

interface SmallResult {
  latencies: number[]
  toStored: number[]
  /** Per phase, seconds: CreateUpload; its answer -> the chunk's 201; CompleteUpload; -> `complete` seen. */
  phases: { create: number[]; put: number[]; completion: number[]; finish: number[] }
  refusals: number
  /** Round trips of a trivial request to each process while the 1 KiB uploads ran (s). */
  probes: Record<string, number[]>
}

/**
 * Every 250 ms, one trivial request to each process (a 404 or 400 is fine): how long a request
 * waits in that process's event loop while it is busy with the big uploads.
 */
function probeLoop(targets: Record<string, string>) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]))
  let stopped = false
  const loops = Object.entries(targets).map(async ([name, url]) => {
    while (!stopped) {
      const started = now()
      await fetch(url, { method: name === 'dynamodb' ? 'POST' : 'GET' })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined)
      times[name]?.push(now() - started)
      await sleep(250)
    }
  })
  return async () => {
    stopped = true
    await Promise.all(loops)
    return times
  }
}

/** The 1 KiB client (worker thread): SMALL_RUNS uploads one after the other, each a new user. */
async function smallClient(sessionsAddress: string): Promise<SmallResult> {
  const sessions = createSessionsClient(sessionsAddress)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const result: SmallResult = {
    latencies: [],
    toStored: [],
    phases: { create: [], put: [], completion: [], finish: [] },
    refusals: 0,
    probes: {},
  }
  const stopProbes = probeLoop(shared.probes ?? {})
  for (let run = 0; run < SMALL_RUNS; run++) {
    const body = randomBytes(1024)
    const contentHash = await contentHashFromDigests([createHash('sha256').update(body).digest()])
    const started = now()
    const r = await uploadFile(sessions, agent, `small-${randomUUID()}`, body, contentHash)
    const ended = now()
    result.refusals += r.refusals
    result.latencies.push(ended - started)
    result.toStored.push(r.storedAt - started)
    result.phases.create.push(r.createdAt - started)
    result.phases.put.push(r.storedAt - r.createdAt)
    result.phases.completion.push(r.completionCalledAt - r.storedAt)
    result.phases.finish.push(ended - r.completionCalledAt)
    parentPort?.postMessage({
      line: `  1 KiB upload ${run}: ${(ended - started).toFixed(2)} s (create ${(r.createdAt - started).toFixed(2)}, PUT ${(r.storedAt - r.createdAt).toFixed(2)}, CompleteUpload ${(r.completionCalledAt - r.storedAt).toFixed(2)}, then ${(ended - r.completionCalledAt).toFixed(2)}), ${r.refusals} refusals`,
    })
  }
  result.probes = await stopProbes()
  agent.destroy()
  sessions.close()
  return result
}

/** 16 chunk PUTs of one account, each trickled at 40 KiB/s; returns a stop function. */
function trickler(uploadsUrl: string) {
  const conns: ReturnType<typeof request>[] = []
  const timers: NodeJS.Timeout[] = []
  const size = 8 * MiB
  const piece = randomBytes(4096)
  void (async () => {
    const uploadId = randomUUID()
    const { token } = await signUploadToken(
      tokenKeys,
      { userId: 'trickler', uploadId, fileSize: 16 * size, chunkSize: size, chunkCount: 16 },
      3600,
    )
    for (let i = 0; i < 16; i++) {
      const req = request(`${uploadsUrl}/api/v1/uploads/${uploadId}/chunks/${i}`, {
        method: 'PUT',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-digest': formatContentDigest(createHash('sha256').update('x').digest()),
          'content-length': String(size),
        },
      })
      req.on('error', () => {})
      req.on('response', (res) => res.resume())
      req.flushHeaders()
      conns.push(req)
      timers.push(setInterval(() => req.writable && req.write(piece), 100))
    }
  })()
  return () => {
    for (const t of timers) clearInterval(t)
    for (const c of conns) c.destroy()
  }
}

async function scenarioB(uploadsUrl: string, withTrickler: boolean) {
  const stopTrickle = withTrickler ? trickler(uploadsUrl) : () => {}
  if (withTrickler) await sleep(1500)
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  const uploadId = randomUUID()
  const { token } = await signUploadToken(
    tokenKeys,
    { userId: 'victim', uploadId, fileSize: VICTIM_PUTS * MiB, chunkSize: MiB, chunkCount: VICTIM_PUTS },
    3600,
  )
  const body = randomBytes(MiB)
  const times: number[] = []
  let gaveUp = 0
  let next = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < VICTIM_PUTS) {
        const i = next++
        const started = now()
        const r = await putRetrying(
          agent,
          `${uploadsUrl}/api/v1/uploads/${uploadId}/chunks/${i}`,
          token,
          body,
          started + GIVE_UP_S,
        ).catch(() => ({ ok: false, refusals: 0 }))
        if (r.ok) times.push(now() - started)
        else gaveUp++
        log(`  victim chunk ${i}: ${r.ok ? 'stored' : 'given up'} after ${(now() - started).toFixed(2)} s`)
      }
    }),
  )
  log('  victim done; stopping the trickler')
  stopTrickle()
  agent.destroy()
  return { times, gaveUp }
}

// ---------------------------------------------------------------------------------------------
// Processes

async function main() {
  const loadBefore = loadavg()[0] ?? 0
  const children: ManagedProcess[] = []
  const rowsA: string[][] = []
  const rowsB: string[][] = []
  const probeRows: string[][] = []
  try {
    log('starting emulators')
    const emulators = await startStackProcess('fairness')
    children.push(emulators.process)
    const env: Record<string, string> = {
      ...emulators.env,
      UPLOAD_TOKEN_KEYS: tokenKeysText,
      SERVICE_TOKEN_KEYS: serviceKeysText,
      WEB_ORIGIN: 'http://127.0.0.1:5173',
    }
    // One port for the uploads service across configurations: the sessions service names it in
    // every upload it creates.
    const port = await freePort()
    const uploadsUrl = `http://127.0.0.1:${port}`
    const sessions = await startSessionsProcess(env, uploadsUrl)
    children.push(sessions.process)
    const scenarios = args.scenarios.split(',')
    for (const name of args.configs.split(',') as ConfigName[]) {
      if (!(name in CONFIGS)) throw new Error(`unknown configuration ${name}`)
      log(`${name}: starting the uploads service`)
      const uploads = await startUploadsProcess(env, { port, extra: CONFIGS[name] })
      try {
        if (scenarios.includes('A')) {
          log(`${name}: scenario A, ${BIG} concurrent 32 MiB uploads, ${SMALL_RUNS} 1 KiB uploads`)
          const a = await scenarioA(sessions.client, sessions.address, {
            s3: `${env.AWS_ENDPOINT_URL_S3}/`,
            dynamodb: `${env.AWS_ENDPOINT_URL_DYNAMODB}/`,
            uploads: `${uploads.url}/health/live`,
          })
          probeRows.push(
            ...Object.entries(a.probes).map(([process, times]) => [
              name,
              process,
              fmt(percentile(times, 50), 3),
              fmt(percentile(times, 95), 3),
              String(times.length),
            ]),
          )
          rowsA.push([
            name,
            fmt(percentile(a.latencies, 50)),
            fmt(percentile(a.latencies, 95)),
            fmt(Math.max(...a.latencies)),
            `${fmt(percentile(a.toStored, 50))} / ${fmt(percentile(a.toStored, 95))}`,
            (['create', 'put', 'completion', 'finish'] as const)
              .map((k) => fmt(percentile(a.phases[k], 50)))
              .join(' / '),
            String(a.refusals),
            a.bigDone,
          ])
        }
        for (const trickling of scenarios.includes('B') ? [false, true] : []) {
          log(`${name}: scenario B, trickler ${trickling ? 'on' : 'off'}`)
          const b = await scenarioB(uploads.url, trickling)
          rowsB.push([
            name,
            trickling ? 'yes' : 'no',
            fmt(percentile(b.times, 50)),
            fmt(percentile(b.times, 95)),
            `${b.gaveUp}/${VICTIM_PUTS}`,
          ])
          log(`  B row: ${rowsB.at(-1)?.join(' | ')}`)
        }
      } finally {
        log(`${name}: stopping the uploads service`)
        await uploads.process.stop()
      }
    }
    sessions.client.close()
  } finally {
    for (const child of children.reverse()) await child.stop()
  }
  const loadAfter = loadavg()[0] ?? 0
  console.log(
    `\nmachine: ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`,
  )
  console.log(
    `A: 1 KiB uploads, CreateUpload -> complete (s), under ${BIG} concurrent 32 MiB uploads (target p95 <= 2 s)`,
  )
  console.log(
    table(
      [
        'intake',
        'p50',
        'p95',
        'max',
        'create -> chunk 201 p50 / p95',
        'p50 create / PUT / CompleteUpload / -> complete',
        'refusals of 1 KiB PUTs',
        '32 MiB uploads done',
      ],
      rowsA,
    ),
  )
  console.log('\nA: a trivial request to each process every 250 ms while the 1 KiB uploads ran (s)')
  console.log(table(['intake', 'process', 'p50', 'p95', 'samples'], probeRows))
  console.log(
    `\nB: another user's 1 MiB chunk PUTs, first try -> 201 (s), 4 at a time; given up after ${GIVE_UP_S} s`,
  )
  console.log(table(['intake', 'trickler (16 PUTs at 40 KiB/s)', 'p50', 'p95', 'given up'], rowsB))
}

if (isMainThread) {
  await main()
} else {
  parentPort?.postMessage({ result: await smallClient(shared.sessionsAddress ?? '') })
}
