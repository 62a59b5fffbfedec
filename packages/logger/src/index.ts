export { createLogger, type Logger, type LoggerSettings, redactPaths } from './createLogger.ts'
