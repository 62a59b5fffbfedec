import { CSRF_COOKIE, createSessionFetch, GatewayClient, readCookie, type User } from '@lfusys/upload-client'

export const API_BASE = '/api/v1'

type Listener = () => void
const sessionLostListeners = new Set<Listener>()

/** Called when the session cannot be refreshed any more (the auth context logs the user out). */
export function onSessionLost(listener: Listener): () => void {
  sessionLostListeners.add(listener)
  return () => sessionLostListeners.delete(listener)
}

export const sessionFetch = createSessionFetch({
  fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
  // Production names the cookie __Host-lfusys_csrf (host-bound); elsewhere it is lfusys_csrf.
  csrfToken: () =>
    readCookie(document.cookie, `__Host-${CSRF_COOKIE}`) ?? readCookie(document.cookie, CSRF_COOKIE),
  refreshUrl: `${API_BASE}/auth/refresh`,
  onSessionLost: () => {
    for (const l of sessionLostListeners) l()
  },
})

/**
 * The gateway client of the web app. Asking "who is signed in?" without a session would answer
 * 401, which the browser logs as an error on every page a signed-out visitor opens. The CSRF
 * cookie is readable by script and lives exactly as long as the refresh token, so without it
 * there is no session to find and the question is not sent at all.
 */
class WebGatewayClient extends GatewayClient {
  override async me(signal?: AbortSignal): Promise<User | null> {
    if (!readCookie(document.cookie, CSRF_COOKIE)) return null
    return super.me(signal)
  }
}

export const api = new WebGatewayClient({ baseUrl: API_BASE, fetch: sessionFetch })

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
