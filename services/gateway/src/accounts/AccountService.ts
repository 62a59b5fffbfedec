import { randomUUID } from 'node:crypto'
import { AppError } from '@lfusys/errors'
import type { SignedToken, TokenService } from '../tokens/TokenService.ts'
import { normaliseEmail } from './normaliseEmail.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordHasher } from './PasswordHasher.ts'
import type { UserRecord, UserRepository } from './UserRepository.ts'

export type Role = 'user' | 'admin'

export interface PublicUser {
  id: string
  email: string
  name: string
  role: Role
}

export interface AuthSession {
  user: PublicUser
  access: SignedToken
  refresh: SignedToken
}

export interface ProviderProfile {
  provider: 'github' | 'google'
  subject: string
  email: string | null
  emailVerified: boolean
  name: string
}

export interface AccountServiceOptions {
  users: UserRepository
  hasher: PasswordHasher
  tokens: TokenService
  adminEmails: readonly string[]
  now?: () => Date
}

const badCredentials = () => new AppError('UNAUTHENTICATED', 'email or password is incorrect')

export class AccountService {
  private readonly users: UserRepository
  private readonly hasher: PasswordHasher
  private readonly tokens: TokenService
  private readonly admins: ReadonlySet<string>
  private readonly now: () => Date

  constructor(options: AccountServiceOptions) {
    this.users = options.users
    this.hasher = options.hasher
    this.tokens = options.tokens
    this.admins = new Set(options.adminEmails.map(normaliseEmail))
    this.now = options.now ?? (() => new Date())
  }

  roleOf(email: string): Role {
    return this.admins.has(normaliseEmail(email)) ? 'admin' : 'user'
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
      createdAt: this.now().toISOString(),
    }
    await this.users.createUser(user)
    return this.startSession(user)
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
    const user = await this.users.getUser(claims.userId)
    if (!user)
      throw new AppError('UNAUTHENTICATED', 'the account no longer exists', {
        details: { reason: 'invalid' },
      })
    const access = await this.tokens.signAccess({
      userId: user.id,
      email: user.email,
      familyId: claims.familyId,
    })
    return { user: this.publicUser(user), access, refresh }
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
  }

  async me(userId: string): Promise<PublicUser> {
    const user = await this.users.getUser(userId)
    if (!user)
      throw new AppError('UNAUTHENTICATED', 'the account no longer exists', {
        details: { reason: 'invalid' },
      })
    return this.publicUser(user)
  }

  /**
   * Signs in with a provider identity. A linked identity logs its user in. Otherwise the provider
   * must vouch for the email (verified): then an existing account with that email is linked (never
   * on an unverified email, which would let anyone claim someone else's account), or a new
   * password-less account is created.
   */
  async oauthLogin(profile: ProviderProfile): Promise<AuthSession> {
    const linkedUserId = await this.users.findIdentity(profile.provider, profile.subject)
    if (linkedUserId) {
      const user = await this.users.getUser(linkedUserId)
      if (!user) throw new AppError('CONFLICT', 'the linked account no longer exists')
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
      createdAt: this.now().toISOString(),
    }
    await this.users.createUser(user, identity)
    return this.startSession(user)
  }

  private async startSession(user: UserRecord): Promise<AuthSession> {
    const familyId = randomUUID()
    const tokenId = randomUUID()
    const refresh = await this.tokens.signRefresh({ userId: user.id, familyId, tokenId })
    await this.users.createFamily(familyId, user.id, tokenId, refresh.expiresAt)
    const access = await this.tokens.signAccess({ userId: user.id, email: user.email, familyId })
    return { user: this.publicUser(user), access, refresh }
  }

  private publicUser(user: UserRecord): PublicUser {
    return { id: user.id, email: user.email, name: user.name, role: this.roleOf(user.email) }
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
