/**
 * The page to go to after signing in, from `?next=`. Only a path on this origin is accepted: a
 * crafted link must never send someone elsewhere after they signed in. Browsers read `\` as `/`
 * and drop tabs and newlines in URLs, so `/\evil.example`, `//evil.example`, `/\t/evil.example`
 * and their percent-encoded forms (decoded once by URLSearchParams) are all cross-origin: they,
 * and absolute URLs, fall back to `/`.
 */
export function safeNextPath(search: string, origin: string, fallback = '/upload'): string {
  const next = new URLSearchParams(search).get('next')
  if (next === null || next === '') return fallback
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!next.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next) || next.startsWith('//')) return '/'
  let url: URL
  try {
    url = new URL(next, origin)
  } catch {
    return '/'
  }
  if (url.origin !== origin) return '/'
  return `${url.pathname}${url.search}${url.hash}`
}
