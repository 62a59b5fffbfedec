import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stackResources } from '@lfusys/aws'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { serviceSchemas } from '../scripts/configDocs.ts'
import { envExampleNames, repoRoot } from './envExample.ts'
import { serviceLoader } from './serviceConfig.ts'
import { loadTerraform, Model } from './terraform.ts'

// The compose files are validated by Compose itself: `docker-compose config` interpolates the
// variables, applies the merge keys and checks the schema without a Docker engine. The binary comes
// from Debian's docker-compose package (scripts/system-deps.sh); without it these tests fail.
const run = promisify(execFile)
// Parsing (WASM) and docker-compose runs (a Python process each) are slow on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

interface Service {
  image?: string
  build?: unknown
  environment?: Record<string, string>
  healthcheck?: unknown
  depends_on?: Record<string, unknown>
  ports?: (string | { published: number | string; target: number; host_ip?: string })[]
  networks?: Record<string, { aliases?: string[]; ipv4_address?: string } | null>
  volumes?: (string | { source?: string; target: string })[]
  read_only?: boolean
  tmpfs?: string[] | string
}
interface Compose {
  services: Record<string, Service>
}

const NODE_SERVICES = ['gateway', 'sessions', 'uploads']
const FILES = { dev: 'docker-compose.yml', prod: 'docker-compose.prod.yml' } as const
const key = () => `k1:${randomBytes(32).toString('hex')}`

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lfusys-compose-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function composeConfig(file: string, env: Record<string, string>): Promise<Compose> {
  const envFile = join(dir, `${file}.${randomBytes(4).toString('hex')}.env`)
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  )
  try {
    // --env-file replaces the project's .env, so a developer's own .env cannot change the outcome.
    const { stdout } = await run(
      'docker-compose',
      ['--env-file', envFile, '-f', join(repoRoot, file), 'config'],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: dir },
      },
    )
    return parse(stdout) as Compose
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: run scripts/system-deps.sh (Debian package docker-compose)',
      )
    }
    throw err
  }
}

/** The variables docker-compose.prod.yml documents, from its example env file, secrets filled in. */
function prodEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of readFileSync(join(repoRoot, 'infra/docker/prod.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (m?.[1]) env[m[1]] = m[2] ?? ''
  }
  env.REDIS_PASSWORD = randomBytes(24).toString('hex')
  env.UPLOAD_TOKEN_KEYS = key()
  env.AUTH_TOKEN_KEYS = key()
  env.SERVICE_TOKEN_KEYS = key()
  env.TELEMETRY_PSEUDONYM_KEY = randomBytes(24).toString('hex')
  return env
}
const devEnv = () => ({ UPLOAD_TOKEN_KEYS: key(), AUTH_TOKEN_KEYS: key(), SERVICE_TOKEN_KEYS: key() })
const envFor = (kind: keyof typeof FILES) => (kind === 'dev' ? devEnv() : prodEnv())

const shipped = new Map<string, Promise<Compose>>()
/** The file resolved with its documented variables (one docker-compose run per file). */
const asShipped = (kind: keyof typeof FILES): Promise<Compose> => {
  let config = shipped.get(kind)
  if (!config) {
    config = composeConfig(FILES[kind], envFor(kind))
    shipped.set(kind, config)
  }
  return config
}

const text = (file: string) => readFileSync(join(repoRoot, file), 'utf8')
const requiredVariables = (file: string) => [
  ...new Set([...text(file).matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1] as string)),
]
const published = (service: Service | undefined) =>
  (service?.ports ?? []).map((p) =>
    (typeof p === 'string' ? p : `${p.host_ip ? `${p.host_ip}:` : ''}${p.published}:${p.target}`).replace(
      /\/tcp$/,
      '',
    ),
  )

describe.each(Object.entries(FILES) as [keyof typeof FILES, string][])('%s compose (%s)', (kind, file) => {
  let compose: Compose
  beforeAll(async () => {
    compose = await asShipped(kind)
  })

  it('is valid for docker-compose with the documented variables', () => {
    for (const name of [...NODE_SERVICES, 'web', 'edge', 'redis', 'jaeger']) {
      expect(compose.services[name], name).toBeDefined()
    }
  })

  it('refuses to start without its required variables, naming what is missing', async () => {
    const required = requiredVariables(file)
    expect(required).toEqual(
      expect.arrayContaining(['UPLOAD_TOKEN_KEYS', 'AUTH_TOKEN_KEYS', 'SERVICE_TOKEN_KEYS']),
    )
    const env = envFor(kind) as Record<string, string>
    for (const name of required) delete env[name]
    const outcome = await composeConfig(file, env).then(
      () => 'accepted',
      (err: { stderr?: string }) => String(err.stderr ?? err),
    )
    expect(outcome).toMatch(new RegExp(`set (${required.join('|')})`))
  })

  it("starts every service's config from the file as shipped", async () => {
    const expectedEnv = kind === 'dev' ? 'development' : 'production'
    for (const { service } of await serviceSchemas()) {
      const env = compose.services[service]?.environment ?? {}
      expect(env.LFUSYS_ENV, service).toBe(expectedEnv)
      const load = await serviceLoader(service)
      expect(() => load(env), `${service} in ${file}`).not.toThrow()
    }
  })

  it('carries no default for any signing secret or password', () => {
    const defaults = [
      ...text(file).matchAll(/\$\{([A-Z0-9_]*(KEYS|SECRET|PASSWORD|TOKEN)[A-Z0-9_]*):?-([^}]*)\}/g),
    ]
      .filter((m) => m[3] !== '')
      .map((m) => m[0])
    expect(defaults).toEqual([])
    const raw = parse(text(file), { merge: true }) as Compose
    for (const name of NODE_SERVICES) {
      for (const [k, v] of Object.entries(raw.services[name]?.environment ?? {})) {
        // LocalStack's fixed dummy credentials are no secret.
        if (kind === 'dev' && k.startsWith('AWS_')) continue
        if (/KEYS$|SECRET|PASSWORD/.test(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+:[?-]/)
      }
    }
  })

  it('runs the services read-only with a scratch /tmp, health-checked, from pinned images', () => {
    for (const name of [...NODE_SERVICES, 'web']) {
      const service = compose.services[name]
      expect(service?.read_only, name).toBe(true)
      expect([service?.tmpfs].flat(), name).toContain('/tmp')
      expect(service?.healthcheck, name).toBeDefined()
      expect(service?.build ?? service?.image, name).toBeDefined()
    }
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.image) continue
      expect(service.image, name).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
      expect(service.image, name).not.toMatch(/:latest$/)
    }
  })

  it('passes only documented variables to the services', () => {
    const documented = envExampleNames()
    const used = NODE_SERVICES.flatMap((name) => Object.keys(compose.services[name]?.environment ?? {}))
    expect([...new Set(used.filter((v) => !documented.has(v)))]).toEqual([])
  })

  it('runs Jaeger v2 with its UI published and every service exporting OTLP to it', () => {
    expect(compose.services.jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/)
    expect(published(compose.services.jaeger)).toContain('127.0.0.1:16686:16686')
    for (const name of NODE_SERVICES) {
      expect(compose.services[name]?.environment?.OTEL_ENABLED, name).toBe('true')
      expect(compose.services[name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe(
        'http://jaeger:4318',
      )
    }
  })

  it('believes X-Forwarded-For only from its front door, which routes like the ALB', () => {
    const edge = compose.services.edge
    expect(edge?.image).toMatch(/^caddy:2\.\d+/)
    const address = Object.values(edge?.networks ?? {})[0]?.ipv4_address
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(compose.services.gateway?.environment?.TRUSTED_PROXIES).toBe(address)
    const mounts = (edge?.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`))
    expect(mounts.some((v) => v.includes('infra/docker/Caddyfile:/etc/caddy/Caddyfile'))).toBe(true)
    // Same origin for the app, the API and chunk PUTs, as on AWS.
    const origin = compose.services.uploads?.environment?.WEB_ORIGIN
    expect(compose.services.sessions?.environment?.UPLOADS_PUBLIC_URL).toBe(origin)
    expect(compose.services.gateway?.environment?.WEB_ORIGIN).toBe(origin)
  })
})

describe('docker-compose.yml (development)', () => {
  let compose: Compose
  beforeAll(async () => {
    compose = await asShipped('dev')
  })

  it('uses the names of the shared resource declaration and provisions with the shared code', () => {
    const dev = stackResources('lfusys-dev')
    const sessions = compose.services.sessions?.environment ?? {}
    expect(sessions.S3_BUCKET).toBe(dev.bucket)
    expect(sessions.DYNAMODB_UPLOADS_TABLE).toBe(dev.tables.uploads.name)
    expect(sessions.DYNAMODB_FILES_TABLE).toBe(dev.tables.files.name)
    expect(sessions.SQS_CHUNK_EVENTS_QUEUE_URL).toMatch(new RegExp(`/${dev.chunkEventsQueue}$`))
    expect(compose.services.gateway?.environment?.DYNAMODB_USERS_TABLE).toBe(dev.tables.users.name)
    expect(JSON.stringify(compose.services.provision)).toContain('packages/aws/src/provisionCli.ts')
  })

  it('signs download links for a host name the browser on the host reaches, as the containers do', () => {
    const endpoint = new URL(compose.services.sessions?.environment?.AWS_ENDPOINT_URL_S3 ?? '')
    // Public DNS answers 127.0.0.1 for localhost.localstack.cloud; inside the network it is an alias.
    expect(endpoint.hostname).toBe('localhost.localstack.cloud')
    expect(compose.services.localstack?.networks?.default?.aliases).toContain(endpoint.hostname)
    expect(published(compose.services.localstack)).toContain(`127.0.0.1:${endpoint.port}:4566`)
    for (const name of NODE_SERVICES) {
      expect(compose.services[name]?.environment?.AWS_ENDPOINT_URL_S3, name).toBe(
        endpoint.href.replace(/\/$/, ''),
      )
    }
  })

  it('serves the app on the origin the services are configured with', () => {
    const origin = new URL(compose.services.gateway?.environment?.WEB_ORIGIN ?? '')
    expect(origin.hostname).toBe('localhost')
    expect(compose.services.edge?.environment?.SITE_ADDRESS).toBe(':8080')
    expect(published(compose.services.edge)).toContain(`127.0.0.1:${origin.port}:8080`)
  })
})

describe('docker-compose.prod.yml (production)', () => {
  it('gives every service the one pseudonym key, so deployed spans carry the user pseudonym', () => {
    const compose = parse(text('docker-compose.prod.yml'), { merge: true }) as Compose
    for (const name of NODE_SERVICES) {
      expect(String(compose.services[name]?.environment?.TELEMETRY_PSEUDONYM_KEY), name).toMatch(
        /^\$\{TELEMETRY_PSEUDONYM_KEY:\?/,
      )
    }
  })

  let compose: Compose
  beforeAll(async () => {
    compose = await asShipped('prod')
  })

  it('terminates TLS for the public host name and keeps Secure cookies on https origins', () => {
    const env = prodEnv()
    expect(compose.services.edge?.environment?.SITE_ADDRESS).toBe(env.SITE_DOMAIN)
    expect(published(compose.services.edge)).toEqual(expect.arrayContaining(['80:80', '443:443']))
    for (const name of NODE_SERVICES) {
      expect(compose.services[name]?.environment?.WEB_ORIGIN, name).toBe(`https://${env.SITE_DOMAIN}`)
    }
    // Nothing but the front door (and Jaeger's UI on loopback) is published.
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'edge' || name === 'jaeger') continue
      expect(published(service), name).toEqual([])
    }
  })

  it('makes OAuth optional and documents every variable in the example env file', () => {
    const documented = new Set(Object.keys(prodEnv()))
    const all = [...text(FILES.prod).matchAll(/\$\{([A-Z][A-Z0-9_]*)(:[?-][^}]*)?\}/g)].map(
      (m) => m[1] as string,
    )
    expect([...new Set(all)].filter((v) => !documented.has(v))).toEqual([])
    for (const v of [
      'GITHUB_CLIENT_ID',
      'GITHUB_CLIENT_SECRET',
      'GOOGLE_CLIENT_ID',
      'GOOGLE_CLIENT_SECRET',
    ]) {
      expect(requiredVariables(FILES.prod), v).not.toContain(v)
      expect(compose.services.gateway?.environment?.[v], v).toBe('')
    }
  })

  it('takes image tags from the operator (no default tag) and passes static credentials only when given', () => {
    const raw = parse(text(FILES.prod), { merge: true }) as Compose
    for (const name of [...NODE_SERVICES, 'web']) {
      expect(raw.services[name]?.image, name).toMatch(/:\$\{IMAGE_TAG:\?/)
    }
    expect(compose.services.gateway?.environment?.AWS_ACCESS_KEY_ID).toBe('')
    expect(text(FILES.prod)).toMatch(/hop limit/i)
  })
})

describe('the front door and the ALB agree', () => {
  // Route a request the way infra/docker/Caddyfile does and the way the ALB listener rules do.
  const caddyfile = text('infra/docker/Caddyfile')
  const caddyRoute = (method: string, path: string) => {
    const methods = /@chunks\s*\{\s*method ([A-Z ]+)\n/.exec(caddyfile)?.[1]?.trim().split(' ') ?? []
    const regex = new RegExp(/path_regexp chunks (\S+)/.exec(caddyfile)?.[1] ?? '^$')
    if (methods.includes(method) && regex.test(path))
      return /handle @chunks\s*\{[^}]*reverse_proxy (\w+):/.exec(caddyfile)?.[1]
    if (path.startsWith('/api/'))
      return /handle \/api\/\*\s*\{[^}]*?reverse_proxy (\w+):/.exec(caddyfile)?.[1]
    return /handle\s*\{\s*reverse_proxy (\w+):/.exec(caddyfile)?.[1]
  }

  it('sends chunk PUTs to uploads, the API to the gateway and the rest to web', async () => {
    const m = new Model(await loadTerraform())
    const rules = m
      .resources('aws_lb_listener_rule')
      .map(([, r]) => r)
      .sort((a, b) => Number(a.priority) - Number(b.priority))
    const target = (r: Record<string, unknown>) =>
      /http\["([a-z]+)"\]/.exec(String((r.action as Record<string, unknown>[])[0]?.target_group_arn))?.[1]
    const albRoute = (method: string, path: string) => {
      for (const rule of rules) {
        const conditions = rule.condition as Record<string, Record<string, string[]>[]>[]
        const ok = conditions.every((c) => {
          const patterns = c.path_pattern?.[0]?.values
          const methods = c.http_request_method?.[0]?.values
          if (patterns) return patterns.some((p) => new RegExp(`^${p.replaceAll('*', '.*')}$`).test(path))
          if (methods) return methods.includes(method)
          return false
        })
        if (ok) return target(rule)
      }
      return 'web'
    }
    const cases: [string, string, string][] = [
      ['PUT', '/api/v1/uploads/u1/chunks/0', 'uploads'],
      ['OPTIONS', '/api/v1/uploads/u1/chunks/12', 'uploads'],
      ['GET', '/api/v1/uploads/u1/chunks/0', 'gateway'],
      ['POST', '/api/v1/uploads', 'gateway'],
      ['GET', '/api/v1/files', 'gateway'],
      ['GET', '/', 'web'],
      ['GET', '/files', 'web'],
      ['GET', '/assets/index-abc.js', 'web'],
    ]
    for (const [method, path, expected] of cases) {
      expect([method, path, albRoute(method, path)]).toEqual([method, path, expected])
      expect([method, path, caddyRoute(method, path)]).toEqual([method, path, expected])
    }
  })
})

describe('images', () => {
  it('run as production unless told otherwise', () => {
    expect(text('Dockerfile')).toMatch(/^ENV LFUSYS_ENV=production$/m)
  })

  it('are built from contexts without dependencies, local state or secrets', () => {
    const ignored = text('.dockerignore').split('\n')
    for (const entry of [
      '**/node_modules',
      '.env',
      'prod.env',
      'infra/*.tfvars',
      'infra/*.tfstate*',
      '.devstack',
    ]) {
      expect(ignored, entry).toContain(entry)
    }
  })

  it('pin every base image', () => {
    for (const file of ['Dockerfile', 'infra/docker/web.Dockerfile']) {
      for (const [, image] of text(file).matchAll(/^FROM (\S+)/gm)) {
        expect(image, file).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
        expect(image, file).not.toMatch(/:latest$/)
      }
    }
  })
})
