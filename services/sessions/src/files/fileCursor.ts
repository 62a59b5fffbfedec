import { AppError } from '@lfusys/errors'
import { z } from 'zod'

/** The longest cursor a listing accepts (a DynamoDB key of a few short attributes, encoded). */
export const FILE_CURSOR_MAX_LENGTH = 2048

/** The keys a files listing can continue from; anything else is not one of our cursors. */
const cursorSchema = z.record(z.string().regex(/^(pk|sk|gsi1pk|gsi1sk|gsi2pk|gsi2sk)$/), z.string().max(1024))

/** An opaque cursor: base64url JSON of DynamoDB's LastEvaluatedKey ('' when there is no next page). */
export function encodeCursor(key: Record<string, unknown> | undefined): string {
  if (!key) return ''
  const strings = Object.entries(key).filter((e): e is [string, string] => typeof e[1] === 'string')
  return Buffer.from(JSON.stringify(Object.fromEntries(strings))).toString('base64url')
}

/**
 * The key a cursor continues from, checked before reuse: a cursor only continues the listing it
 * came from, never another user's partition. Undefined for '' (the first page).
 */
export function decodeCursor(cursor: string, expectPartition: { name: 'gsi1pk' | 'gsi2pk'; value: string }) {
  if (cursor === '') return undefined
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    json = undefined
  }
  const parsed = cursorSchema.safeParse(json)
  if (!parsed.success || parsed.data[expectPartition.name] !== expectPartition.value) {
    throw new AppError('VALIDATION_FAILED', 'cursor is invalid', { details: { field: 'cursor' } })
  }
  return parsed.data
}
