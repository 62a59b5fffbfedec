import { type Logger, type LoggerOptions, pino } from 'pino'
import pretty from 'pino-pretty'

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
  /** json (default): one object per line, for production; pretty: readable lines for `make dev`. */
  format?: 'json' | 'pretty'
  /** Extra pino options (tests pass a destination through `stream`). */
  options?: LoggerOptions
  stream?: NodeJS.WritableStream
}

/**
 * trace_id, span_id and trace_flags come from OpenTelemetry's pino instrumentation, which the
 * `--import @lfusys/telemetry/register` entry installs before pino loads.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const readable = settings.format === 'pretty'
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // pino-pretty colours numeric levels; JSON lines carry the label.
    ...(readable ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
    ...settings.options,
  }
  const stream = readable
    ? pretty({
        destination: settings.stream ?? 1,
        sync: true,
        colorize: !process.env.NO_COLOR,
        translateTime: 'SYS:HH:MM:ss.l',
        // The service is in the line prefix make dev adds; pid and host are noise locally.
        ignore: 'pid,hostname,service,trace_flags',
        singleLine: true,
      })
    : settings.stream
  return stream ? pino(options, stream) : pino(options)
}
