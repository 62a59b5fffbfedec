import { type Logger, type LoggerOptions, pino } from 'pino'

export type { Logger } from 'pino'

/**
 * Paths that must never reach a log line: credentials, tokens, cookies and chunk bytes.
 * pino's redaction is applied at serialisation, so a handler that logs a whole request stays safe.
 */
export const redactPaths = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'uploadToken',
  '*.uploadToken',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
]

export interface LoggerSettings {
  service: string
  level: string
  /** Extra pino options (tests pass a destination through `stream`). */
  options?: LoggerOptions
  stream?: NodeJS.WritableStream
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...settings.options,
  }
  return settings.stream ? pino(options, settings.stream) : pino(options)
}
