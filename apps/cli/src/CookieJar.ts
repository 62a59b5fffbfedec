import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { FetchLike } from '@lfusys/upload-client'

/**
 * The CLI's session: the gateway's cookies kept in a file only the user can read (0600), like a
 * browser profile. One API host, so domain and path matching are not needed.
 */
export class CookieJar {
  readonly path: string
  #cookies = new Map<string, string>()

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
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') this.#cookies.set(k, v)
  }

  async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
    const tmp = `${this.path}.tmp`
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.#cookies)), { mode: 0o600 })
    await chmod(tmp, 0o600)
    await rename(tmp, this.path)
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  get size(): number {
    return this.#cookies.size
  }

  clear(): void {
    this.#cookies.clear()
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
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
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.split('=')
        const key = k.trim().toLowerCase()
        if (key === 'max-age') return Number(v) <= 0
        if (key === 'expires') return Date.parse(v) <= Date.now()
        return false
      })
      if (expired || value === '') this.#cookies.delete(name)
      else this.#cookies.set(name, value)
      changed = true
    }
    return changed
  }

  /** A fetch that sends and stores this jar's cookies. */
  fetch(base: FetchLike = (i, init) => globalThis.fetch(i, init)): FetchLike {
    return async (input, init) => {
      const headers = new Headers(init?.headers)
      if (this.#cookies.size > 0) headers.set('cookie', this.header())
      const res = await base(input, { ...init, headers })
      if (this.absorb(res.headers.getSetCookie())) await this.save()
      return res
    }
  }
}
