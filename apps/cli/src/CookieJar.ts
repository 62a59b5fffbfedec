import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { FetchLike } from '@lfusys/upload-client'

/**
 * The CLI's session: the gateway's cookies kept in a file only the user can read (0600), like a
 * browser profile. One API host, so domain and path matching are not needed.
 */
export class CookieJar {
  readonly path: string
  #cookies = new Map<string, { value: string; path: string }>()

  constructor(path: string) {
    this.path = path
  }

  async load(): Promise<void> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch {
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    if (typeof parsed !== 'object' || parsed === null) return
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'object' || v === null || !('value' in v) || !('path' in v)) continue
      if (typeof v.value === 'string' && typeof v.path === 'string')
        this.#cookies.set(k, { value: v.value, path: v.path })
    }
  }

  async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
    const tmp = `${this.path}.tmp`
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.#cookies)), { mode: 0o600 })
    await chmod(tmp, 0o600)
    await rename(tmp, this.path)
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)?.value
  }

  get size(): number {
    return this.#cookies.size
  }

  clear(): void {
    this.#cookies.clear()
  }

  /** Cookies whose Path covers `pathname` (the refresh token only goes to /api/v1/auth). */
  header(pathname: string): string {
    return [...this.#cookies]
      .filter(
        ([, c]) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map(([k, c]) => `${k}=${c.value}`)
      .join('; ')
  }

  /** Applies Set-Cookie headers; an expired or empty cookie is a deletion. */
  absorb(setCookies: readonly string[]): boolean {
    let changed = false
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let path = '/'
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=')
        if (k.trim().toLowerCase() === 'path' && v.trim().startsWith('/')) path = v.trim()
      }
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.split('=')
        const key = k.trim().toLowerCase()
        if (key === 'max-age') return Number(v) <= 0
        if (key === 'expires') return Date.parse(v) <= Date.now()
        return false
      })
      if (expired || value === '') this.#cookies.delete(name)
      else this.#cookies.set(name, { value, path })
      changed = true
    }
    return changed
  }

  /** A fetch that sends and stores this jar's cookies. */
  fetch(base: FetchLike = (i, init) => globalThis.fetch(i, init)): FetchLike {
    return async (input, init) => {
      const headers = new Headers(init?.headers)
      const cookie = this.header(new URL(input).pathname)
      if (cookie) headers.set('cookie', cookie)
      const res = await base(input, { ...init, headers })
      if (this.absorb(res.headers.getSetCookie())) await this.save()
      return res
    }
  }
}
