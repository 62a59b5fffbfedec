export { clientErrorHandler, type ErrorBody, errorBody, sendError, toAppError } from './httpErrors.ts'
export { errorHandlingOptions, registerErrorHandling } from './registerErrorHandling.ts'
