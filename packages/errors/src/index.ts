export {
  AppError,
  type AppErrorOptions,
  type ErrorCode,
  errorCodes,
  isAppError,
  isErrorCode,
} from './AppError.ts'
