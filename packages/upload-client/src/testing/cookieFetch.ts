import type { FetchLike } from '../GatewayClient.ts'

/** Just enough of a cookie store for one API host (tests of a client outside the browser). */
export function cookieFetch(): { fetch: FetchLike; get: (name: string) => string | undefined } {
  const jar = new Map<string, string>()
  return {
    get: (name) => jar.get(name),
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers)
      if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
      const res = await fetch(input, { ...init, headers })
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';')
        const eq = pair.indexOf('=')
        if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
      }
      return res
    },
  }
}
