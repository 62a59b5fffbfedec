import type { FetchLike } from './GatewayClient.ts'

export const CSRF_COOKIE = 'lfusys_csrf'
export const CSRF_HEADER = 'x-csrf-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface SessionFetchOptions {
  fetch: FetchLike
  /** The current value of the `lfusys_csrf` cookie (double-submit CSRF protection). */
  csrfToken: () => string | undefined
  /** Absolute or same-origin URL of `POST /auth/refresh`. */
  refreshUrl: string
  /** Called once when the session cannot be refreshed (the user must log in again). */
  onSessionLost?: () => void
}

/** Reads one cookie from a `document.cookie`-style string. */
export function readCookie(cookieHeader: string, name: string): string | undefined {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}

function methodOf(init?: RequestInit): string {
  return (init?.method ?? 'GET').toUpperCase()
}

/**
 * Wraps fetch for cookie-authenticated gateway calls: adds the CSRF header to state-changing
 * requests, and on a 401 refreshes the session once and replays the request. Concurrent 401s wait
 * for the same refresh instead of each rotating the refresh token (rotation with reuse detection
 * would revoke the session if two refreshes raced).
 */
export function createSessionFetch(options: SessionFetchOptions): FetchLike {
  let refreshing: Promise<boolean> | undefined

  const withCsrf = (init: RequestInit | undefined): RequestInit => {
    const headers = new Headers(init?.headers)
    if (!SAFE_METHODS.has(methodOf(init))) {
      const token = options.csrfToken()
      if (token) headers.set(CSRF_HEADER, token)
    }
    return { ...init, headers }
  }

  const refresh = (): Promise<boolean> => {
    refreshing ??= (async () => {
      try {
        const res = await options.fetch(options.refreshUrl, withCsrf({ method: 'POST' }))
        await res.body?.cancel()
        if (!res.ok) options.onSessionLost?.()
        return res.ok
      } catch {
        return false
      } finally {
        refreshing = undefined
      }
    })()
    return refreshing
  }

  return async (input, init) => {
    const res = await options.fetch(input, withCsrf(init))
    if (res.status !== 401 || input.endsWith('/auth/refresh') || input.endsWith('/auth/login')) return res
    // The CSRF cookie lives as long as the refresh token: without it there is no session to renew.
    if (!options.csrfToken()) return res
    if (init?.body instanceof ReadableStream) return res
    if (!(await refresh())) return res
    await res.body?.cancel()
    return options.fetch(input, withCsrf(init))
  }
}
