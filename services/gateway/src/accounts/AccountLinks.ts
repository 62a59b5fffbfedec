import { AppError } from '@lfusys/errors'
import { passwordResetEmail, verificationEmail } from '../mail/accountEmails.ts'
import type { Mailer } from '../mail/Mailer.ts'
import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AccountTokenRepository,
} from './AccountTokenRepository.ts'
import type { UserRecord } from './UserRepository.ts'

export interface AccountLinksOptions {
  accountTokens: AccountTokenRepository
  mailer: Mailer
  /** Origin of the web app: email links open its /verify-email and /reset-password pages. */
  webOrigin: string
  verifyTtlSeconds: number
  resetTtlSeconds: number
  now: () => Date
}

/** A refused email link, with the reason the web app shows (expired: ask for a new one). */
export function linkRefused(reason: 'expired' | 'invalid'): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    reason === 'expired'
      ? 'this link has expired; ask for a new one'
      : 'this link is not valid (it may have been used already)',
    { details: { field: 'token', reason } },
  )
}

/**
 * The single-use links sent by email (verify the address, reset the password): issued with their
 * time to live, mailed, and consumed.
 */
export class AccountLinks {
  private readonly accountTokens: AccountTokenRepository
  private readonly mailer: Mailer
  private readonly webOrigin: string
  private readonly verifyTtlSeconds: number
  private readonly resetTtlSeconds: number
  private readonly now: () => Date

  constructor(options: AccountLinksOptions) {
    this.accountTokens = options.accountTokens
    this.mailer = options.mailer
    this.webOrigin = options.webOrigin.replace(/\/$/, '')
    this.verifyTtlSeconds = options.verifyTtlSeconds
    this.resetTtlSeconds = options.resetTtlSeconds
    this.now = options.now
  }

  async sendVerification(user: UserRecord): Promise<void> {
    const token = await this.issue(user, 'verify-email', this.verifyTtlSeconds)
    const url = `${this.webOrigin}/verify-email?token=${encodeURIComponent(token)}`
    await this.mailer.send(verificationEmail(user.email, url, Math.round(this.verifyTtlSeconds / 3600)))
  }

  async sendPasswordReset(user: UserRecord): Promise<void> {
    const token = await this.issue(user, 'reset-password', this.resetTtlSeconds)
    const url = `${this.webOrigin}/reset-password?token=${encodeURIComponent(token)}`
    await this.mailer.send(passwordResetEmail(user.email, url, Math.round(this.resetTtlSeconds / 60)))
  }

  /** Consumes a link of the given purpose; throws the refusal the web app shows otherwise. */
  async consume(token: string, purpose: AccountTokenPurpose): Promise<AccountTokenRecord> {
    const result = await this.accountTokens.consume(token, purpose, this.now())
    if (result.outcome === 'expired') throw linkRefused('expired')
    if (result.outcome === 'invalid') throw linkRefused('invalid')
    return result.record
  }

  private issue(user: UserRecord, purpose: AccountTokenPurpose, ttlSeconds: number): Promise<string> {
    return this.accountTokens.issue(
      { purpose, userId: user.id, email: user.email, sessionEpoch: user.sessionEpoch },
      ttlSeconds,
      this.now(),
    )
  }
}
