import { z } from 'zod'

/** `true/false/1/0/yes/no`, case-insensitive; anything else is an error, never silently false. */
export function envBoolean(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE', 'True', 'False'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes'].includes(v.toLowerCase()))
}

export function envInt(defaultValue: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue)
}

export function envPort(defaultValue: number) {
  return envInt(defaultValue, 0, 65535)
}

export const envUrl = z.url()

/** Comma-separated list, blanks dropped. */
export function envList(defaultValue: string[] = []) {
  return z
    .string()
    .default(defaultValue.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
}

/** A secret: never defaulted, at least `minLength` characters. */
export function envSecret(minLength: number) {
  return z.string().min(minLength, `must be at least ${minLength} characters`)
}
