import { randomUUID } from 'node:crypto'
import type { AccountUser, OAuthProvider, UserRole } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { Logger } from '@lfusys/logger'
import type { Mailer } from '../mail/Mailer.ts'
import type { SessionRevocations } from '../tokens/SessionRevocations.ts'
import type { SignedToken, TokenService } from '../tokens/TokenService.ts'
import { AccountLinks, linkRefused } from './AccountLinks.ts'
import type { AccountTokenRepository } from './AccountTokenRepository.ts'
import { normaliseEmail } from './normaliseEmail.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordHasher } from './PasswordHasher.ts'
import type { UserRecord, UserRepository } from './UserRepository.ts'

export type Role = UserRole

/** A user as the API shows it (`user` in the account answers). */
export type PublicUser = AccountUser

export interface AuthSession {
  user: PublicUser
  /** The refresh family: the CSRF token of the session is bound to it. */
  familyId: string
  access: SignedToken
  refresh: SignedToken
}

export interface ProviderProfile {
  provider: OAuthProvider
  subject: string
  email: string | null
  emailVerified: boolean
  name: string
}

export interface AccountServiceOptions {
  users: UserRepository
  accountTokens: AccountTokenRepository
  hasher: PasswordHasher
  tokens: TokenService
  revocations: SessionRevocations
  mailer: Mailer
  logger: Logger
  adminEmails: readonly string[]
  /** Origin of the web app: email links open its /verify-email and /reset-password pages. */
  webOrigin: string
  verifyTtlSeconds: number
  resetTtlSeconds: number
  now?: () => Date
}

const badCredentials = () => new AppError('UNAUTHENTICATED', 'email or password is incorrect')

export class AccountService {
  private readonly users: UserRepository
  private readonly hasher: PasswordHasher
  private readonly tokens: TokenService
  private readonly links: AccountLinks
  private readonly revocations: SessionRevocations
  private readonly logger: Logger
  private readonly admins: ReadonlySet<string>
  private readonly now: () => Date

  constructor(options: AccountServiceOptions) {
    this.users = options.users
    this.hasher = options.hasher
    this.tokens = options.tokens
    this.revocations = options.revocations
    this.logger = options.logger
    this.admins = new Set(options.adminEmails.map(normaliseEmail))
    this.now = options.now ?? (() => new Date())
    this.links = new AccountLinks({ ...options, now: this.now })
  }

  /**
   * The admin role needs both a listed address and proof that the account owns it: otherwise anyone
   * could register a listed address that has no account yet and become admin.
   */
  roleOf(user: Pick<UserRecord, 'email' | 'emailVerified'>): Role {
    return user.emailVerified && this.admins.has(normaliseEmail(user.email)) ? 'admin' : 'user'
  }

  async register(input: {
    email: string
    password: string
    name?: string | undefined
  }): Promise<AuthSession> {
    checkPasswordPolicy(input.password)
    const email = normaliseEmail(input.email)
    const user: UserRecord = {
      id: randomUUID(),
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      passwordHash: await this.hasher.hash(input.password),
      emailVerified: false,
      sessionEpoch: 0,
      createdAt: this.now().toISOString(),
    }
    await this.users.createUser(user)
    // The account exists either way; a mail outage must not fail the sign-up (the web app offers
    // to send the link again).
    await this.links.sendVerification(user).catch((err: unknown) => {
      this.logger.warn({ err, userId: user.id }, 'verification email not sent')
    })
    return this.startSession(user)
  }

  /** Sends a fresh verification link to a signed-in account whose address is not verified yet. */
  async resendVerification(userId: string): Promise<{ alreadyVerified: boolean }> {
    const user = await this.requireUser(userId)
    if (user.emailVerified) return { alreadyVerified: true }
    await this.links.sendVerification(user)
    return { alreadyVerified: false }
  }

  /** Consumes a verification link. Answers the account's email. */
  async verifyEmail(token: string): Promise<{ email: string }> {
    const record = await this.links.consume(token, 'verify-email')
    const user = await this.users.getUser(record.userId)
    // A link for an address the account no longer has proves nothing about the current one.
    if (!user || user.email !== record.email) throw linkRefused('invalid')
    if (!user.emailVerified && !(await this.users.markEmailVerified(user.id, user.email))) {
      throw linkRefused('invalid')
    }
    return { email: user.email }
  }

  /**
   * Sends a reset link when the address has an account. The caller answers the same in every case
   * and does not wait for this, so neither the answer nor its timing tells whether an account exists.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await this.users.findUserByEmail(normaliseEmail(email))
    if (!user) return
    await this.links.sendPasswordReset(user)
  }

  /**
   * Consumes a reset link and sets the new password. Every session of the account ends (refresh
   * families through the epoch, access tokens through the denylist), and the address counts as
   * verified: the link reached its owner.
   */
  async resetPassword(token: string, password: string): Promise<void> {
    checkPasswordPolicy(password)
    const record = await this.links.consume(token, 'reset-password')
    const user = await this.users.getUser(record.userId)
    // A reset (or password change) since the link was sent makes it useless.
    if (!user || user.email !== record.email || user.sessionEpoch !== record.sessionEpoch) {
      throw linkRefused('invalid')
    }
    const epoch = await this.users.replacePassword(user.id, await this.hasher.hash(password), {
      verifyEmail: true,
    })
    await this.revocations.raiseEpoch(user.id, epoch)
  }

  /**
   * Changes the password of a signed-in account after checking the current one. Every other session
   * ends; the caller gets a fresh session of the new epoch.
   */
  async changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string },
  ): Promise<AuthSession> {
    checkPasswordPolicy(input.newPassword)
    const user = await this.requireUser(userId)
    const ok =
      user.passwordHash != null && input.currentPassword.length <= PASSWORD_MAX_LENGTH
        ? await this.hasher.verify(user.passwordHash, input.currentPassword)
        : await this.hasher.verifyDummy(input.currentPassword)
    if (!ok) {
      throw new AppError('UNAUTHENTICATED', 'the current password is incorrect', {
        details: { reason: 'wrong_password' },
      })
    }
    const epoch = await this.users.replacePassword(user.id, await this.hasher.hash(input.newPassword), {
      verifyEmail: false,
    })
    await this.revocations.raiseEpoch(user.id, epoch)
    return this.startSession({ ...user, sessionEpoch: epoch })
  }

  private async requireUser(userId: string): Promise<UserRecord> {
    const user = await this.users.getUser(userId)
    if (!user)
      throw new AppError('UNAUTHENTICATED', 'the account no longer exists', {
        details: { reason: 'invalid' },
      })
    return user
  }

  async login(input: { email: string; password: string }): Promise<AuthSession> {
    // Over-long passwords are refused before any hashing, with the same answer as a wrong password.
    if (input.password.length > PASSWORD_MAX_LENGTH) throw badCredentials()
    const user = await this.users.findUserByEmail(normaliseEmail(input.email))
    const ok =
      user?.passwordHash != null
        ? await this.hasher.verify(user.passwordHash, input.password)
        : await this.hasher.verifyDummy(input.password)
    if (!user || !ok) throw badCredentials()
    return this.startSession(user)
  }

  async refresh(refreshToken: string | undefined): Promise<AuthSession> {
    if (!refreshToken) {
      throw new AppError('UNAUTHENTICATED', 'no refresh token', { details: { reason: 'missing' } })
    }
    const claims = await this.tokens.verifyRefresh(refreshToken)
    const user = await this.users.getUser(claims.userId)
    if (!user)
      throw new AppError('UNAUTHENTICATED', 'the account no longer exists', {
        details: { reason: 'invalid' },
      })
    if (claims.sessionEpoch !== user.sessionEpoch) {
      // The password changed since this session began: it ends here.
      await this.users.revokeFamily(claims.familyId)
      throw new AppError('UNAUTHENTICATED', 'the session has ended', { details: { reason: 'revoked' } })
    }
    const nextTokenId = randomUUID()
    let refresh = await this.tokens.signRefresh({ ...claims, tokenId: nextTokenId })
    const rotation = await this.users.rotateFamily(
      claims.familyId,
      claims.userId,
      claims.tokenId,
      nextTokenId,
      refresh.expiresAt,
      this.now(),
    )
    if (rotation.outcome === 'superseded') {
      // A concurrent refresh of the same browser won a moment ago: hand out the live token id again.
      refresh = await this.tokens.signRefresh({ ...claims, tokenId: rotation.currentTokenId })
    } else if (rotation.outcome === 'reused') {
      // A rotated token came back: someone holds a copy. End every session of this family.
      await this.users.revokeFamily(claims.familyId)
      throw new AppError('UNAUTHENTICATED', 'refresh token reuse detected; the session was revoked', {
        details: { reason: 'reused' },
      })
    } else if (rotation.outcome === 'invalid') {
      throw new AppError('UNAUTHENTICATED', 'the session has ended', { details: { reason: 'revoked' } })
    }
    const access = await this.signAccess(user, claims.familyId)
    return { user: this.publicUser(user), familyId: claims.familyId, access, refresh }
  }

  /** The refresh family of a refresh token, or undefined when the token is missing or unusable. */
  async familyOf(refreshToken: string | undefined): Promise<string | undefined> {
    if (!refreshToken) return undefined
    try {
      return (await this.tokens.verifyRefresh(refreshToken)).familyId
    } catch {
      return undefined
    }
  }

  /** Revokes the family of the presented refresh token; an unusable token is simply ignored. */
  async logout(refreshToken: string | undefined): Promise<void> {
    if (!refreshToken) return
    let familyId: string
    try {
      familyId = (await this.tokens.verifyRefresh(refreshToken)).familyId
    } catch {
      return
    }
    await this.users.revokeFamily(familyId)
    await this.revocations.revokeFamily(familyId)
  }

  async me(userId: string): Promise<PublicUser> {
    return this.publicUser(await this.requireUser(userId))
  }

  /**
   * Signs in with a provider identity. A linked identity logs its user in. Otherwise the provider
   * must vouch for the email (verified): then an existing account with that email is linked only
   * when the account has proven the address too, or a new password-less account is created.
   *
   * An existing account with the same but unverified address is refused, never linked: it may have
   * been registered by someone else in advance to capture the owner's later provider sign-in (their
   * password would keep working on the owner's account). The owner proves the address with a
   * password reset, which also ends the squatter's sessions, and can then sign in with the provider.
   */
  async oauthLogin(profile: ProviderProfile): Promise<AuthSession> {
    const linkedUserId = await this.users.findIdentity(profile.provider, profile.subject)
    if (linkedUserId) {
      let user = await this.users.getUser(linkedUserId)
      if (!user) throw new AppError('CONFLICT', 'the linked account no longer exists')
      if (
        !user.emailVerified &&
        profile.emailVerified &&
        profile.email !== null &&
        normaliseEmail(profile.email) === user.email &&
        (await this.users.markEmailVerified(user.id, user.email))
      ) {
        user = { ...user, emailVerified: true }
      }
      return this.startSession(user)
    }
    if (!profile.email || !profile.emailVerified) {
      throw new AppError('FORBIDDEN', 'the provider did not report a verified email', {
        details: { reason: 'email_not_verified' },
      })
    }
    const email = normaliseEmail(profile.email)
    const identity = { provider: profile.provider, subject: profile.subject }
    const existing = await this.users.findUserByEmail(email)
    if (existing) {
      if (!existing.emailVerified) {
        throw new AppError('CONFLICT', 'an account with this email exists but has not verified it', {
          details: { reason: 'account_unverified' },
        })
      }
      if (!(await this.users.linkIdentity(identity, existing.id))) {
        throw new AppError('CONFLICT', 'this identity is already linked to an account')
      }
      return this.startSession(existing)
    }
    const user: UserRecord = {
      id: randomUUID(),
      email,
      name: profile.name.trim() || email.split('@')[0] || email,
      passwordHash: null,
      emailVerified: true,
      sessionEpoch: 0,
      createdAt: this.now().toISOString(),
    }
    await this.users.createUser(user, identity)
    return this.startSession(user)
  }

  private async startSession(user: UserRecord): Promise<AuthSession> {
    const familyId = randomUUID()
    const tokenId = randomUUID()
    const refresh = await this.tokens.signRefresh({
      userId: user.id,
      familyId,
      tokenId,
      sessionEpoch: user.sessionEpoch,
    })
    await this.users.createFamily(familyId, user.id, tokenId, refresh.expiresAt)
    const access = await this.signAccess(user, familyId)
    return { user: this.publicUser(user), familyId, access, refresh }
  }

  private signAccess(user: UserRecord, familyId: string): Promise<SignedToken> {
    return this.tokens.signAccess({
      userId: user.id,
      email: user.email,
      familyId,
      role: this.roleOf(user),
      sessionEpoch: user.sessionEpoch,
    })
  }

  private publicUser(user: UserRecord): PublicUser {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: this.roleOf(user),
      emailVerified: user.emailVerified,
    }
  }
}

export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new AppError(
      'VALIDATION_FAILED',
      `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      { details: { field: 'password' } },
    )
  }
}
