import type { AppError } from '@lfusys/errors'

/** A tus answer that is not one of the API's usual statuses (410, 415, 423, 460) or needs its own headers. */
export class TusError extends Error {
  readonly status: number
  readonly code: AppError['code']
  readonly headers: Record<string, string>
  constructor(status: number, code: AppError['code'], message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }
}
