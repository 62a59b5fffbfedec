import { z } from 'zod'

/**
 * Wire values with one rule each, shared by every edge that accepts them (the gateway's HTTP
 * schemas, the sessions service's gRPC validation, the upload engine).
 */

export const FILE_NAME_MAX_LENGTH = 255

/**
 * Control (Cc: U+0000-001F, U+007F-009F such as U+0085), format (Cf: U+202E right-to-left
 * override, U+200B, U+FEFF ...) and line/paragraph separators: a name carrying them can hide its
 * real extension or break the lines it is shown on.
 */
const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

/** A file name as a person gave it: shown in lists and sent back in Content-Disposition. */
export const fileNameSchema = z
  .string()
  .min(1, 'file name must not be empty')
  .max(FILE_NAME_MAX_LENGTH, `file name must be at most ${FILE_NAME_MAX_LENGTH} characters`)
  .refine((s) => !UNSAFE_NAME_CHARACTERS.test(s), 'file name must not contain control or format characters')
  .refine((s) => s.trim().length > 0, 'file name must not be blank')

const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w.+-]+=(?:[\w.+-]+|"[^"\r\n]*"))*$/

/** A media type with optional parameters (RFC 9110 8.3), at most 255 characters. */
export const contentTypeSchema = z
  .string()
  .max(255, 'content type must be at most 255 characters')
  .regex(MEDIA_TYPE, 'content type must be a media type like text/plain')

/** The type a file is stored under when its owner gave none. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** Lower-cased and defaulted: how a content type is stored. */
export function normaliseContentType(contentType: string | undefined): string {
  return contentType ? contentType.toLowerCase() : DEFAULT_CONTENT_TYPE
}

const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
])

/**
 * Types a browser would render or run as the storage origin's own content (HTML, SVG, XML,
 * scripts): a file of such a type is served as an opaque download instead.
 */
export function isActiveContentType(contentType: string): boolean {
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return ACTIVE_TYPES.has(essence) || essence.endsWith('+xml')
}

/** The Content-Type a download is served with: the stored one unless it is active content. */
export function downloadContentType(contentType: string): string {
  return isActiveContentType(contentType) ? DEFAULT_CONTENT_TYPE : contentType
}

/**
 * An `Idempotency-Key` header value: visible ASCII, 1-255 characters (clients send a UUID per file
 * and the same one on every retry of that creation).
 */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters')
