import type { IncomingMessage, ServerResponse } from 'node:http'
import { type CaughtMail, Mailbox, type TestStack } from '@lfusys/testing'
import { Events, OAuth2Server } from 'oauth2-mock-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  type GatewayHarness,
  GOOD_PASSWORD,
  gatewayTestEnv,
  provisionGatewayStack,
  startGateway,
  uniqueEmail,
} from '../testing/harness.ts'

let stack: TestStack
let gw: GatewayHarness
let github: OAuth2Server
let google: OAuth2Server

/** What the mock GitHub answers on /user and /user/emails for the next sign-in. */
let githubUser = { id: 1, login: 'octo', name: 'Octo Cat' as string | null }
let githubEmails: { email: string; primary: boolean; verified: boolean }[] = []
/** What the mock Google answers on /userinfo. */
let googleUser: Record<string, unknown> = {}
const tokenRequests: Record<string, string>[] = []

function sendJson(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-oauth')
  github = new OAuth2Server()
  await github.issuer.keys.generate('RS256')
  await github.start(0, '127.0.0.1')
  github.service.addRoute('GET', '/user', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) res.writeHead(401).end()
    else sendJson(res, githubUser)
  })
  github.service.addRoute('GET', '/user/emails', (_req: IncomingMessage, res: ServerResponse) =>
    sendJson(res, githubEmails),
  )
  google = new OAuth2Server()
  await google.issuer.keys.generate('RS256')
  await google.start(0, '127.0.0.1')
  google.service.on(Events.BeforeUserinfo, (response) => {
    response.body = googleUser
  })
  for (const server of [github, google]) {
    server.service.on(Events.BeforeResponse, (_response, req) => {
      tokenRequests.push(Object.fromEntries(Object.entries(req.body).map(([k, v]) => [k, String(v)])))
    })
  }
  const gh = github.issuer.url ?? ''
  const gg = google.issuer.url ?? ''
  gw = await startGateway(
    gatewayTestEnv(stack, {
      GATEWAY_PUBLIC_URL: 'http://gateway.test',
      GITHUB_CLIENT_ID: 'gh-client',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      GITHUB_AUTHORIZE_URL: `${gh}/authorize`,
      GITHUB_TOKEN_URL: `${gh}/token`,
      GITHUB_USER_URL: `${gh}/user`,
      GITHUB_EMAILS_URL: `${gh}/user/emails`,
      GOOGLE_CLIENT_ID: 'gg-client',
      GOOGLE_CLIENT_SECRET: 'gg-secret',
      GOOGLE_AUTHORIZE_URL: `${gg}/authorize`,
      GOOGLE_TOKEN_URL: `${gg}/token`,
      GOOGLE_USERINFO_URL: `${gg}/userinfo`,
    }),
  )
})
afterAll(async () => {
  await gw?.close()
  await github?.stop()
  await google?.stop()
  stack?.close()
})

/** Runs start and the provider's authorize step; returns the callback path the provider redirects to. */
async function startFlow(browser: Browser, provider: 'github' | 'google') {
  const start = await browser.send({ url: `/api/v1/auth/${provider}/start` })
  expect(start.statusCode).toBe(302)
  const authorize = new URL(String(start.headers.location))
  const res = await fetch(authorize, { redirect: 'manual' })
  expect(res.status).toBe(302)
  const callback = new URL(res.headers.get('location') ?? '')
  expect(callback.origin).toBe('http://gateway.test')
  return { start, authorize, callbackPath: `${callback.pathname}${callback.search}`, callback }
}

describe('OAuth sign-in', () => {
  it('GitHub: authorization code + PKCE, state cookie, new account from the verified primary email', async () => {
    const email = uniqueEmail('gh')
    githubUser = { id: 4242, login: 'octo', name: 'Octo Cat' }
    githubEmails = [
      { email: uniqueEmail('unverified'), primary: false, verified: false },
      { email, primary: true, verified: true },
    ]
    const browser = new Browser(gw.app)
    const { start, authorize, callbackPath } = await startFlow(browser, 'github')
    expect(authorize.searchParams.get('client_id')).toBe('gh-client')
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://gateway.test/api/v1/auth/github/callback')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const stateCookie = start.cookies.find((c) => c.name === 'lfusys_oauth_state')
    expect(stateCookie).toMatchObject({
      value: authorize.searchParams.get('state'),
      httpOnly: true,
      sameSite: 'Lax',
      path: '/api/v1/auth/github/callback',
    })

    const done = await browser.send({ url: callbackPath })
    expect(done.statusCode).toBe(302)
    expect(done.headers.location).toBe('http://web.test/')
    // The provider checked the verifier against the challenge: the token request carried it.
    expect(tokenRequests.at(-1)?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    const me = await browser.send({ url: '/api/v1/auth/me' })
    expect(me.statusCode).toBe(200)
    expect(me.json().user).toMatchObject({
      email: email.toLowerCase(),
      name: 'Octo Cat',
      role: 'user',
      emailVerified: true,
    })
    expect((await browser.send({ url: '/api/v1/auth/providers' })).json()).toEqual({
      providers: ['github', 'google'],
    })

    // Signing in again with the same identity reaches the same account.
    const again = new Browser(gw.app)
    const second = await startFlow(again, 'github')
    expect((await again.send({ url: second.callbackPath })).headers.location).toBe('http://web.test/')
    expect((await again.send({ url: '/api/v1/auth/me' })).json().user.id).toBe(me.json().user.id)
  })

  it('Google: signs in with a verified email', async () => {
    const email = uniqueEmail('gg')
    googleUser = { sub: 'google-sub-1', email, email_verified: true, name: 'Goo Gle' }
    const browser = new Browser(gw.app)
    const { authorize, callbackPath } = await startFlow(browser, 'google')
    expect(authorize.searchParams.get('scope')).toBe('openid email profile')
    const done = await browser.send({ url: callbackPath })
    expect(done.headers.location).toBe('http://web.test/')
    expect((await browser.send({ url: '/api/v1/auth/me' })).json().user).toMatchObject({
      email: email.toLowerCase(),
      name: 'Goo Gle',
    })
  })

  it('refuses to link a provider identity to a pre-registered, unverified account (account takeover)', async () => {
    const victim = uniqueEmail('victim')
    // The attacker registers the victim's address with a password they know; nobody verifies it.
    const attacker = new Browser(gw.app)
    const reg = await attacker.send({
      method: 'POST',
      url: '/api/v1/auth/register',
      body: { email: victim, password: GOOD_PASSWORD },
    })
    expect(reg.statusCode).toBe(201)
    const squatted = reg.json().user

    // The victim later signs in with GitHub, which vouches for the address: no silent link.
    githubUser = { id: 9001, login: 'victim', name: 'Victim' }
    githubEmails = [{ email: victim, primary: true, verified: true }]
    const victimBrowser = new Browser(gw.app)
    const refused = await victimBrowser.send({ url: (await startFlow(victimBrowser, 'github')).callbackPath })
    expect(refused.statusCode).toBe(302)
    expect(refused.headers.location).toBe('http://web.test/login?error=account_unverified')
    expect(victimBrowser.cookies.has('lfusys_access')).toBe(false)
    expect(await gw.deps.users.findIdentity('github', '9001')).toBeUndefined()

    // The owner proves the address with a reset link (it reaches only them), which ends the
    // attacker's sessions and password.
    await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: victim }),
    })
    const [mail] = await new Mailbox().waitForMessages(victim, { subject: /Reset/ })
    const token = Mailbox.link(mail as CaughtMail, 'http://web.test/reset-password?token=').searchParams.get(
      'token',
    )
    const reset = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token, password: 'the owner chose this one' }),
    })
    expect(reset.statusCode).toBe(204)
    expect((await attacker.send({ url: '/api/v1/auth/me' })).statusCode).toBe(401)
    const attackerLogin = await new Browser(gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email: victim, password: GOOD_PASSWORD },
    })
    expect(attackerLogin.statusCode).toBe(401)

    // Now the verified account links, and GitHub sign-in reaches it.
    const linked = new Browser(gw.app)
    const ok = await linked.send({ url: (await startFlow(linked, 'github')).callbackPath })
    expect(ok.headers.location).toBe('http://web.test/')
    expect((await linked.send({ url: '/api/v1/auth/me' })).json().user).toMatchObject({
      id: squatted.id,
      emailVerified: true,
    })
  })

  it('links a verified provider email to an existing verified account, never on an unverified provider email', async () => {
    const email = uniqueEmail('link')
    const owner = new Browser(gw.app)
    const reg = await owner.send({
      method: 'POST',
      url: '/api/v1/auth/register',
      body: { email, password: GOOD_PASSWORD },
    })
    const ownerId = reg.json().user.id
    const [mail] = await new Mailbox().waitForMessages(email, { subject: /Confirm/ })
    const verify = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        token: Mailbox.link(mail as CaughtMail, 'http://web.test/verify-email?token=').searchParams.get(
          'token',
        ),
      }),
    })
    expect(verify.statusCode).toBe(200)

    // The provider does not vouch for the address: refused, and the identity is not linked.
    googleUser = { sub: 'google-attacker', email, email_verified: false, name: 'Mallory' }
    const attacker = new Browser(gw.app)
    const refused = await attacker.send({ url: (await startFlow(attacker, 'google')).callbackPath })
    expect(refused.statusCode).toBe(302)
    expect(refused.headers.location).toBe('http://web.test/login?error=email_not_verified')
    expect(attacker.cookies.has('lfusys_access')).toBe(false)

    // Verified by GitHub: linked to the same account.
    githubUser = { id: 777, login: 'owner', name: null }
    githubEmails = [{ email: email.toUpperCase(), primary: true, verified: true }]
    const linked = new Browser(gw.app)
    const ok = await linked.send({ url: (await startFlow(linked, 'github')).callbackPath })
    expect(ok.headers.location).toBe('http://web.test/')
    expect((await linked.send({ url: '/api/v1/auth/me' })).json().user.id).toBe(ownerId)

    // The owner's password still works.
    const login = await new Browser(gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email, password: GOOD_PASSWORD },
    })
    expect(login.json().user.id).toBe(ownerId)
  })

  it('refuses a replayed state', async () => {
    googleUser = { sub: 'google-replay', email: uniqueEmail('replay'), email_verified: true }
    const browser = new Browser(gw.app)
    const { callbackPath } = await startFlow(browser, 'google')
    const state = browser.cookies.get('lfusys_oauth_state')?.value ?? ''
    expect((await browser.send({ url: callbackPath })).headers.location).toBe('http://web.test/')
    // The same callback again, with the binding cookie restored: the state was single use.
    const replay = await gw.app.inject({
      url: callbackPath,
      headers: { cookie: `lfusys_oauth_state=${state}` },
    })
    expect(replay.statusCode).toBe(302)
    expect(replay.headers.location).toBe('http://web.test/login?error=state_invalid')
    expect(replay.cookies.some((c) => c.name === 'lfusys_access')).toBe(false)
  })

  it('refuses a state that does not match the browser (login CSRF)', async () => {
    googleUser = { sub: 'google-csrf', email: uniqueEmail('csrf'), email_verified: true }
    const attacker = new Browser(gw.app)
    const { callbackPath } = await startFlow(attacker, 'google')
    // The victim's browser has no (or another) state cookie.
    const victim = await gw.app.inject({ url: callbackPath })
    expect(victim.headers.location).toBe('http://web.test/login?error=state_mismatch')
    const other = await gw.app.inject({ url: callbackPath, headers: { cookie: 'lfusys_oauth_state=other' } })
    expect(other.headers.location).toBe('http://web.test/login?error=state_mismatch')
    // A callback for the other provider does not accept this state either.
    const state = new URL(callbackPath, 'http://x').searchParams.get('state') ?? ''
    const cross = await gw.app.inject({
      url: `/api/v1/auth/github/callback?code=x&state=${state}`,
      headers: { cookie: `lfusys_oauth_state=${state}` },
    })
    expect(cross.headers.location).toBe('http://web.test/login?error=state_invalid')
  })

  it('refuses a sign-in attempt whose PKCE verifier is missing or wrong', async () => {
    googleUser = { sub: 'google-pkce', email: uniqueEmail('pkce'), email_verified: true }
    const browser = new Browser(gw.app)
    const { callbackPath, callback } = await startFlow(browser, 'google')
    const state = callback.searchParams.get('state') ?? ''
    await gw.deps.redis.set(
      `oauth:state:${state}`,
      JSON.stringify({ provider: 'google', codeVerifier: null }),
    )
    const missing = await browser.send({ url: callbackPath })
    expect(missing.headers.location).toBe('http://web.test/login?error=pkce_missing')

    const again = new Browser(gw.app)
    const second = await startFlow(again, 'google')
    const state2 = second.callback.searchParams.get('state') ?? ''
    await gw.deps.redis.set(
      `oauth:state:${state2}`,
      JSON.stringify({ provider: 'google', codeVerifier: 'a'.repeat(64) }),
    )
    const wrong = await again.send({ url: second.callbackPath })
    expect(wrong.headers.location).toBe('http://web.test/login?error=code_rejected')
    expect(again.cookies.has('lfusys_access')).toBe(false)
  })

  it('reports a provider error back to the web app', async () => {
    const browser = new Browser(gw.app)
    const start = await browser.send({ url: '/api/v1/auth/github/start' })
    const state = new URL(String(start.headers.location)).searchParams.get('state')
    const res = await browser.send({ url: `/api/v1/auth/github/callback?error=access_denied&state=${state}` })
    expect(res.headers.location).toBe('http://web.test/login?error=provider_denied')
  })
})

describe('OAuth start rate limit', () => {
  it('limits how many sign-in states one address can create', async () => {
    const limited = await startGateway(
      gatewayTestEnv(stack, {
        RATE_LIMIT_AUTH_IP_MAX: '2',
        GOOGLE_CLIENT_ID: 'gg-client',
        GOOGLE_CLIENT_SECRET: 'gg-secret',
        GOOGLE_AUTHORIZE_URL: 'http://127.0.0.1:9/authorize',
      }),
    )
    try {
      const start = (remoteAddress: string) =>
        limited.app.inject({ url: '/api/v1/auth/google/start', remoteAddress })
      expect((await start('10.2.2.2')).statusCode).toBe(302)
      expect((await start('10.2.2.2')).statusCode).toBe(302)
      const third = await start('10.2.2.2')
      expect(third.statusCode).toBe(429)
      expect(third.headers['retry-after']).toMatch(/^\d+$/)
      expect((await start('10.3.3.3')).statusCode).toBe(302)
    } finally {
      await limited.close()
    }
  })
})

describe('OAuth configuration', () => {
  it('answers 503 for a provider without client settings in development', async () => {
    const bare = await startGateway(gatewayTestEnv(stack))
    try {
      const res = await bare.app.inject({ url: '/api/v1/auth/google/start' })
      expect(res.statusCode).toBe(503)
      expect(res.json()).toEqual({
        error: {
          code: 'UNAVAILABLE',
          message: 'sign-in with google is not configured',
          details: { reason: 'provider_not_configured', provider: 'google' },
        },
      })
      const unknown = await bare.app.inject({ url: '/api/v1/auth/gitlab/start', remoteAddress: '10.1.1.1' })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json().error.code).toBe('VALIDATION_FAILED')
    } finally {
      await bare.close()
    }
  })
})
