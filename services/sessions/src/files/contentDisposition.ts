/**
 * `attachment` with the original name (RFC 6266): an ASCII `filename` fallback for old agents and
 * `filename*` with the exact UTF-8 name (RFC 8187 encoding).
 */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%/]/g, '_').trim() || 'download'
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`
}
