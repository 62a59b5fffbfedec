export {
  AppError,
  type AppErrorOptions,
  type ErrorCode,
  errorCodes,
  isAppError,
  isErrorCode,
} from './AppError.ts'
export { HTTP_STATUS_BY_CODE } from './httpStatus.ts'
