import { CSRF_COOKIE, createSessionFetch, GatewayClient, readCookie } from '@lfusys/upload-client'

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

export const api = new GatewayClient({ baseUrl: API_BASE, fetch: sessionFetch })

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
