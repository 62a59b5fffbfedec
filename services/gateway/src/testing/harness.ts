import { randomBytes } from 'node:crypto'
import { createLogger } from '@lfusys/logger'
import { provisionTestStack, TEST_SERVICE_TOKEN_KEYS, type TestStack } from '@lfusys/testing'
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { buildApp } from '../app.ts'
import { type GatewayConfig, loadGatewayConfig } from '../config.ts'
import { createDeps, type GatewayDeps, waitForRedis } from '../deps.ts'
import type { App } from '../http/context.ts'
import type { SessionsApi } from '../uploads/types.ts'

export const TEST_TOKEN_KEYS = `t1:${'s'.repeat(48)}`

export interface GatewayHarness {
  app: App
  config: GatewayConfig
  deps: GatewayDeps
  close(): Promise<void>
}

/** Gateway variables every test needs on top of the stack's AWS/Redis ones. */
export function gatewayTestEnv(
  stack: TestStack,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ...stack.env,
    LOG_LEVEL: 'silent',
    AUTH_TOKEN_KEYS: TEST_TOKEN_KEYS,
    SERVICE_TOKEN_KEYS: TEST_SERVICE_TOKEN_KEYS,
    // Nothing listens on port 1: sessions calls fail fast as UNAVAILABLE unless a test overrides it.
    SESSIONS_GRPC_URL: '127.0.0.1:1',
    SESSIONS_GRPC_DEADLINE_MS: '2000',
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    WEB_ORIGIN: 'http://web.test',
    ...overrides,
  }
}

export async function startGateway(
  env: Record<string, string>,
  overrides: {
    sessions?: SessionsApi
    /** Changes the real deps before the app is built (wrap a client, add an S3 middleware). */
    prepare?: (deps: GatewayDeps) => void
  } = {},
): Promise<GatewayHarness> {
  const config = loadGatewayConfig(env)
  const deps = createDeps(config, { logger: createLogger({ service: 'gateway', level: config.LOG_LEVEL }) })
  if (overrides.sessions) {
    deps.sessions.close()
    deps.sessions = overrides.sessions
  }
  overrides.prepare?.(deps)
  const app = await buildApp(config, deps)
  await waitForRedis(deps.redis, 5000)
  return {
    app,
    config,
    deps,
    async close() {
      await app.close()
      await deps.close()
    },
  }
}

export async function provisionGatewayStack(label: string): Promise<TestStack> {
  return provisionTestStack(label)
}

interface StoredCookie {
  value: string
  path: string
}

export interface SendOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  body?: unknown
  headers?: Record<string, string>
  /** Echo the lfusys_csrf cookie in x-csrf-token (what the web app does); default true. */
  csrf?: boolean
  remoteAddress?: string
}

/** A cookie jar over app.inject that honours cookie paths, like a browser would. */
export class Browser {
  readonly cookies = new Map<string, StoredCookie>()
  private readonly app: App

  constructor(app: App) {
    this.app = app
  }

  cookieHeader(url: string): string {
    const path = url.split('?')[0] ?? url
    return [...this.cookies.entries()]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ')
  }

  async send(options: SendOptions): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = this.cookieHeader(options.url)
    if (cookie) headers.cookie = cookie
    const csrf = this.cookies.get('lfusys_csrf')?.value
    if ((options.csrf ?? true) && csrf) headers['x-csrf-token'] = csrf
    const res = await this.app.inject({
      method: options.method ?? 'GET',
      url: options.url,
      headers,
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
      ...(options.body === undefined ? {} : { headers: { ...headers, 'content-type': 'application/json' } }),
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
    })
    for (const c of res.cookies) {
      const expired = c.maxAge === 0 || (c.expires instanceof Date && c.expires.getTime() <= Date.now())
      if (expired || c.value === '') this.cookies.delete(c.name)
      else this.cookies.set(c.name, { value: c.value, path: c.path ?? '/' })
    }
    return res
  }
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@Example.COM`
}

export const GOOD_PASSWORD = 'correct horse battery'

/** Client addresses, a new one per call, so per-IP limits only bite where a test wants them. */
export function addressSequence(prefix: string, first = 10): () => string {
  let next = first
  return () => `${prefix}${next++}`
}

/** Registers a fresh account (201) from the given address; answers its cookie-keeping browser. */
export async function registerAccount(
  app: App,
  options: { remoteAddress: string; email?: string; name?: string },
) {
  const email = options.email ?? uniqueEmail()
  const browser = new Browser(app)
  const res = await browser.send({
    method: 'POST',
    url: '/api/v1/auth/register',
    body: { email, password: GOOD_PASSWORD, ...(options.name === undefined ? {} : { name: options.name }) },
    remoteAddress: options.remoteAddress,
  })
  expect(res.statusCode).toBe(201)
  return { browser, email, user: res.json().user }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response JSON only to assert on it
type Json = any
/** A Response whose JSON tests can navigate freely; assertions check the shape. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<Json> }

/** A cookie-keeping client for a gateway listening on a real port (cross-process tests). */
export class HttpBrowser {
  readonly cookies = new Map<string, StoredCookie>()
  readonly baseUrl: string

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '')
  }

  private cookieHeader(path: string): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ')
  }

  async fetch(
    path: string,
    init: {
      method?: string
      body?: unknown
      headers?: Record<string, string>
      csrf?: boolean
      signal?: AbortSignal
    } = {},
  ): Promise<JsonResponse> {
    const headers: Record<string, string> = { ...init.headers }
    const cookie = this.cookieHeader(path.split('?')[0] ?? path)
    if (cookie) headers.cookie = cookie
    const csrf = this.cookies.get('lfusys_csrf')?.value
    if ((init.csrf ?? true) && csrf) headers['x-csrf-token'] = csrf
    let body: string | undefined
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(init.body)
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
      // A hanging answer fails the test with a clear error instead of the test timeout.
      signal: init.signal ?? AbortSignal.timeout(20_000),
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = decodeURIComponent(pair.slice(eq + 1))
      const attr = (key: string) =>
        attrs.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1)
      const path = attr('path') ?? '/'
      const expires = attr('expires')
      const expired = attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now())
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, { value, path })
    }
    return res
  }
}
