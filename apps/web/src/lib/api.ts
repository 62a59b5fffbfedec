import { CSRF_COOKIE, createSessionFetch, GatewayClient, readCookie, type User } from '@lfusys/upload-client'

export const API_BASE = '/api/v1'

type Listener = () => void
const sessionLostListeners = new Set<Listener>()

/** Called when the session cannot be refreshed any more (the auth context logs the user out). */
export function onSessionLost(listener: Listener): () => void {
  sessionLostListeners.add(listener)
  return () => sessionLostListeners.delete(listener)
}

/** The CSRF cookie: `__Host-lfusys_csrf` in production (host-bound), `lfusys_csrf` elsewhere. */
export function csrfCookie(): string | undefined {
  return readCookie(document.cookie, `__Host-${CSRF_COOKIE}`) ?? readCookie(document.cookie, CSRF_COOKIE)
}

/**
 * Whether a session may exist. Asking "who is signed in?" without one would answer 401, which the
 * browser logs as an error on every page a signed-out visitor opens. The CSRF cookie is readable
 * by script and lives exactly as long as the refresh token, so without it there is no session to
 * find and the question is not sent at all.
 */
export function mayHaveSession(): boolean {
  return csrfCookie() !== undefined
}

export const sessionFetch = createSessionFetch({
  fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
  csrfToken: csrfCookie,
  refreshUrl: `${API_BASE}/auth/refresh`,
  onSessionLost: () => {
    for (const l of sessionLostListeners) l()
  },
})

/** The gateway client of the web app: it asks who is signed in only when a session may exist. */
class WebGatewayClient extends GatewayClient {
  override async me(signal?: AbortSignal): Promise<User | null> {
    if (!mayHaveSession()) return null
    return super.me(signal)
  }
}

export const api = new WebGatewayClient({ baseUrl: API_BASE, fetch: sessionFetch })

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
