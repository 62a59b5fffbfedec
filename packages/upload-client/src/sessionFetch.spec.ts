import { describe, expect, it } from 'vitest'
import { createSessionFetch, readCookie } from './sessionFetch.ts'

function fakeGateway() {
  const calls: Array<{ url: string; method: string; csrf: string | null }> = []
  let sessionValid = false
  let refreshes = 0
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET'
    calls.push({ url, method, csrf: new Headers(init?.headers).get('x-csrf-token') })
    if (url.endsWith('/auth/refresh')) {
      refreshes++
      await new Promise((r) => setTimeout(r, 5))
      sessionValid = true
      return new Response(null, { status: 200 })
    }
    return new Response('{}', { status: sessionValid ? 200 : 401 })
  }
  return {
    fetch,
    calls,
    get refreshes() {
      return refreshes
    },
  }
}

describe('createSessionFetch', () => {
  it('sends the CSRF cookie value on state-changing requests only', async () => {
    const gw = fakeGateway()
    const f = createSessionFetch({
      fetch: gw.fetch,
      csrfToken: () => 'tok',
      refreshUrl: '/api/v1/auth/refresh',
    })
    await f('/api/v1/files', {})
    await f('/api/v1/uploads', { method: 'POST' })
    expect(gw.calls[0]).toEqual({ url: '/api/v1/files', method: 'GET', csrf: null })
    expect(gw.calls.find((c) => c.url === '/api/v1/uploads' && c.method === 'POST')?.csrf).toBe('tok')
  })

  it('refreshes once for concurrent 401s, then replays each request', async () => {
    const gw = fakeGateway()
    const f = createSessionFetch({
      fetch: gw.fetch,
      csrfToken: () => 'tok',
      refreshUrl: '/api/v1/auth/refresh',
    })
    const results = await Promise.all([f('/api/v1/a'), f('/api/v1/b'), f('/api/v1/c', { method: 'DELETE' })])
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    expect(gw.refreshes).toBe(1)
    expect(gw.calls.filter((c) => c.url === '/api/v1/c').map((c) => c.csrf)).toEqual(['tok', 'tok'])
  })

  it('does not try to refresh without a session (no CSRF cookie)', async () => {
    const gw = fakeGateway()
    const f = createSessionFetch({
      fetch: gw.fetch,
      csrfToken: () => undefined,
      refreshUrl: '/api/v1/auth/refresh',
    })
    expect((await f('/api/v1/auth/me')).status).toBe(401)
    expect(gw.refreshes).toBe(0)
  })
})

describe('readCookie', () => {
  it('finds one cookie among several and decodes it', () => {
    expect(readCookie('a=1; lfusys_csrf=x%2By; b=2', 'lfusys_csrf')).toBe('x+y')
    expect(readCookie('a=1', 'lfusys_csrf')).toBeUndefined()
  })
})
