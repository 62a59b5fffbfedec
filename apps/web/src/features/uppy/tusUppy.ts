import { CSRF_HEADER } from '@lfusys/upload-client'
import Uppy from '@uppy/core'
import Tus from '@uppy/tus'
import { API_BASE, api, csrfCookie } from '../../lib/api.ts'

/** The gateway's tus 1.0 endpoint: same origin, the session cookie authenticates. */
export const TUS_ENDPOINT = `${API_BASE}/tus/`

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * An Uppy instance that uploads with @uppy/tus (tus-js-client) to the gateway, as any stock tus
 * client would. The cookie session needs two things of it: the CSRF header on POST, PATCH and
 * DELETE (double submit, like every other state-changing call of the web app), and a session
 * refresh when the short-lived access cookie has expired (401): the request is then retried once
 * the refresh is done.
 */
export function createTusUppy(): Uppy {
  let refreshing: Promise<unknown> | undefined
  return new Uppy({ id: 'lfusys-tus', autoProceed: false }).use(Tus, {
    endpoint: TUS_ENDPOINT,
    // Two files at a time, like the native upload page.
    limit: 2,
    removeFingerprintOnSuccess: true,
    async onBeforeRequest(req) {
      if (refreshing) await refreshing
      if (SAFE_METHODS.has(req.getMethod().toUpperCase())) return
      const token = csrfCookie()
      if (token) req.setHeader(CSRF_HEADER, token)
    },
    onShouldRetry(err, retryAttempt, _options, next) {
      if (err.originalResponse?.getStatus() === 401 && retryAttempt < 2) {
        // `me` goes through the session fetch, which renews the session on its 401.
        refreshing ??= api.me().finally(() => {
          refreshing = undefined
        })
        return true
      }
      return next(err)
    },
  })
}
