#!/usr/bin/env node
/**
 * `make dev` / `pnpm stack`: starts the local AWS stack (fauxqs, DynamoDB Local, Redis), provisions
 * the dev resources, writes .devstack/env, and with --dev also runs every service that exists and the
 * web dev server. Ctrl-C or SIGTERM stops every child it started, by PID.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from './paths.ts'
import { type ManagedProcess, portInUse, spawnManaged, waitUntilReady } from './processes.ts'
import { defaultPorts, startStack } from './startStack.ts'
import { type DevUrl, formatUrlBlock } from './urlBlock.ts'

const { values: args } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    stack: { type: 'string', default: 'lfusys-dev' },
    'redis-url': { type: 'string' },
    'aws-port': { type: 'string', default: String(defaultPorts.aws) },
    'dynamodb-port': { type: 'string', default: String(defaultPorts.dynamodb) },
    'redis-port': { type: 'string', default: String(defaultPorts.redis) },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  console.log(`usage: node packages/devstack/src/cli.ts [--dev] [--fresh] [--stack NAME] [--redis-url URL]
       [--aws-port ${defaultPorts.aws}] [--dynamodb-port ${defaultPorts.dynamodb}] [--redis-port ${defaultPorts.redis}]
  --dev     also run every service and the web dev server
  --fresh   wipe .devstack/state (all local data) first
  --state-dir DIR  keep env, secrets and state in DIR instead of .devstack`)
  process.exit(0)
}

const devDir = args['state-dir'] ?? join(repoRoot, '.devstack')
const stateDir = join(devDir, 'state')
const cacheDir = join(repoRoot, '.cache')
const color = (n: number, s: string) => (process.stdout.isTTY ? `\x1b[${n}m${s}\x1b[0m` : s)
const say = (msg: string) => console.log(`${color(36, '[devstack]')} ${msg}`)

function port(name: string, value: string | undefined): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`--${name} must be a port number, got ${value}`)
    process.exit(2)
  }
  return n
}

/**
 * Development secrets are generated once per checkout and kept with the local state; a key added
 * since (a newer checkout) is generated and appended, the others stay.
 */
function devSecrets(): Record<string, string> {
  const file = join(devDir, 'secrets.env')
  mkdirSync(devDir, { recursive: true })
  const have = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
  const secret = () => randomBytes(32).toString('base64url')
  const missing = ['UPLOAD_TOKEN_KEYS', 'AUTH_TOKEN_KEYS', 'SERVICE_TOKEN_KEYS'].filter((k) => !have[k])
  if (missing.length > 0) {
    const lines = missing.map((k) => `${k}=dev1:${secret()}\n`).join('')
    writeFileSync(file, lines, { mode: 0o600, flag: 'a' })
  }
  return parseEnv(readFileSync(file, 'utf8'))
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (match?.[1]) out[match[1]] = match[2] ?? ''
  }
  return out
}

/**
 * Node arguments of a service's `start` script (the telemetry `--import` entry, the uploads service's
 * heap tuning), so dev runs it alike; they resolve from the service's folder, the child's cwd.
 */
function nodeFlags(service: string): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'services', service, 'package.json'), 'utf8')) as {
    scripts?: { start?: string }
  }
  const match = /^node\s+(.*?)\s*src\/server\.ts$/.exec(manifest.scripts?.start ?? '')
  return (match?.[1] ?? '').split(/\s+/).filter((arg) => arg.length > 0)
}

/** Prometheus endpoints of the services under make dev (GET /metrics). */
const metricsPorts = { gateway: 9464, uploads: 9465, sessions: 9466 }

interface DevService {
  name: string
  entry: string
  port: number
}

const servicePorts = { sessions: 3102, uploads: 3101, gateway: 3100, web: 5173 }

async function main() {
  const ports = {
    aws: port('aws-port', args['aws-port']),
    dynamodb: port('dynamodb-port', args['dynamodb-port']),
    redis: port('redis-port', args['redis-port']),
  }
  const busy: string[] = []
  for (const [name, p] of Object.entries(ports)) {
    if (name === 'redis' && args['redis-url']) continue
    if (p !== 0 && (await portInUse(p))) busy.push(`${name} port ${p}`)
  }
  if (args.dev) {
    for (const [name, p] of Object.entries(servicePorts))
      if (await portInUse(p)) busy.push(`${name} port ${p}`)
  }
  if (busy.length > 0) {
    console.error(
      `already in use: ${busy.join(', ')}. Is another \`make dev\` running? Stop it, or pick other ports (--help).`,
    )
    process.exit(1)
  }
  if (args.fresh) {
    say('--fresh: wiping local state')
    rmSync(stateDir, { recursive: true, force: true })
  }

  const t0 = Date.now()
  const children: ManagedProcess[] = []
  let stopping = false
  const stack = await startStack({
    ports,
    stateDir,
    cacheDir,
    redisUrl: args['redis-url'],
    log: say,
  })
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    say(`${signal}: stopping`)
    for (const child of [...children].reverse()) await child.stop()
    await stack.stop()
    say('stopped; no process left behind')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGHUP', () => void shutdown('SIGHUP'))

  const provisioned = await stack.provision(args.stack ?? 'lfusys-dev')
  const env: Record<string, string> = {
    LFUSYS_ENV: 'development',
    ...provisioned.env,
    // The AWS CLI v1 and some tools read only AWS_DEFAULT_REGION ("You must specify a region").
    AWS_DEFAULT_REGION: provisioned.env.AWS_REGION ?? 'us-east-1',
    ...devSecrets(),
    WEB_ORIGIN: `http://localhost:${servicePorts.web}`,
    GATEWAY_PORT: String(servicePorts.gateway),
    UPLOADS_PORT: String(servicePorts.uploads),
    SESSIONS_GRPC_PORT: String(servicePorts.sessions),
    SESSIONS_GRPC_URL: `127.0.0.1:${servicePorts.sessions}`,
    UPLOADS_PUBLIC_URL: `http://127.0.0.1:${servicePorts.uploads}`,
    GATEWAY_URL: `http://127.0.0.1:${servicePorts.gateway}`,
  }
  writeFileSync(
    join(devDir, 'env'),
    `# written by the devstack at ${new Date().toISOString()}; source it to talk to the local stack\n${Object.entries(
      env,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  )
  say(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  say(`  S3 + SQS (fauxqs)  ${stack.endpoints.aws}`)
  say(`  DynamoDB Local     ${stack.endpoints.dynamodb}`)
  say(`  Redis              ${stack.endpoints.redisUrl}`)
  say(`  Mail inbox         ${stack.endpoints.mailWeb}  (SMTP ${stack.endpoints.smtpUrl})`)
  say(
    `  bucket ${provisioned.resources.bucket}, queue ${provisioned.resources.chunkEventsQueue}, tables ${Object.values(
      provisioned.resources.tables,
    )
      .map((t) => t.name)
      .join(', ')}`,
  )
  say(`  env written to .devstack/env; state in .devstack/state (--fresh wipes it)`)

  if (args.dev) {
    // Everything a person opens; parts that run optionally (mail inbox, Jaeger) add theirs here.
    const urls: DevUrl[] = []
    const services: DevService[] = (['sessions', 'uploads', 'gateway'] as const)
      .map((name) => ({
        name,
        entry: join(repoRoot, 'services', name, 'src', 'server.ts'),
        port: servicePorts[name],
      }))
      .filter((s) => existsSync(s.entry))
    for (const service of services) {
      const child = spawnManaged(
        service.name,
        process.execPath,
        [...nodeFlags(service.name), service.entry],
        {
          cwd: join(repoRoot, 'services', service.name),
          env: {
            ...process.env,
            ...env,
            LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
            METRICS_PORT: String(metricsPorts[service.name as keyof typeof metricsPorts]),
          },
          onLine: (line) => console.log(`${color(35, `[${service.name}]`)} ${line}`),
        },
      )
      children.push(child)
      await waitUntilReady(service.name, () => portInUse(service.port), { timeoutMs: 30_000, process: child })
      say(
        `${service.name} listening on 127.0.0.1:${service.port} (metrics: http://127.0.0.1:${metricsPorts[service.name as keyof typeof metricsPorts]}/metrics)`,
      )
    }
    const vite = join(repoRoot, 'apps', 'web', 'node_modules', 'vite', 'bin', 'vite.js')
    if (existsSync(vite)) {
      const web = spawnManaged(
        'web',
        process.execPath,
        [vite, '--host', '127.0.0.1', '--port', String(servicePorts.web), '--strictPort'],
        {
          cwd: join(repoRoot, 'apps', 'web'),
          env: { ...process.env, ...env },
          onLine: (line) => console.log(`${color(33, '[web]')} ${line}`),
        },
      )
      children.push(web)
      await waitUntilReady('web', () => portInUse(servicePorts.web), { timeoutMs: 30_000, process: web })
      urls.push({ label: 'Web app', url: `http://localhost:${servicePorts.web}` })
    }
    urls.push(
      { label: 'API docs', url: `http://127.0.0.1:${servicePorts.gateway}/docs` },
      { label: 'Health', url: `http://127.0.0.1:${servicePorts.gateway}/health/ready` },
      { label: 'Mail inbox', url: stack.endpoints.mailWeb },
    )
    say(`everything up in ${((Date.now() - t0) / 1000).toFixed(1)} s; Ctrl-C stops it all`)
    console.log(`\n${formatUrlBlock(urls)}\n`)
    for (const child of children) {
      child.exited.then((code) => {
        if (!stopping) {
          say(`${child.name} exited with code ${code}; stopping everything`)
          void shutdown('child exit')
        }
      })
    }
  } else {
    say('Ctrl-C stops it')
  }
}

main().catch((err: unknown) => {
  console.error(`[devstack] failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
