import type { OAuthProvider } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { z } from 'zod'
import type { ProviderProfile } from '../accounts/AccountService.ts'
import type { GatewayConfig } from '../config.ts'

export type ProviderName = OAuthProvider

export interface ProviderSettings {
  clientId: string
  clientSecret: string
  authorizeUrl: string
  tokenUrl: string
  scopes: string[]
  /** Reads the signed-in identity with the provider's access token. */
  fetchProfile(accessToken: string): Promise<ProviderProfile>
}

const PROFILE_TIMEOUT_MS = 10_000

async function getJson(url: string, accessToken: string, accept = 'application/json'): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept, 'user-agent': 'lfusys' },
      signal: AbortSignal.timeout(PROFILE_TIMEOUT_MS),
    })
  } catch (err) {
    throw new AppError('UNAVAILABLE', 'the identity provider is unreachable', {
      cause: err,
      retryAfterSeconds: 5,
    })
  }
  if (!res.ok) {
    throw new AppError('UNAUTHENTICATED', 'the identity provider refused the profile request', {
      details: { reason: 'profile_rejected' },
    })
  }
  try {
    return await res.json()
  } catch (err) {
    throw new AppError('UNAUTHENTICATED', 'the identity provider sent an unreadable profile', {
      cause: err,
      details: { reason: 'profile_rejected' },
    })
  }
}

function parseOrReject<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new AppError('UNAUTHENTICATED', 'the identity provider sent an unexpected profile', {
      details: { reason: 'profile_rejected' },
    })
  }
  return result.data
}

const githubUser = z.object({
  id: z.union([z.number().int(), z.string().min(1)]),
  login: z.string().optional(),
  name: z.string().nullable().optional(),
})
const githubEmails = z.array(
  z.object({ email: z.string(), primary: z.boolean().optional(), verified: z.boolean().optional() }),
)

export function githubProvider(cfg: {
  clientId: string
  clientSecret: string
  authorizeUrl: string
  tokenUrl: string
  userUrl: string
  emailsUrl: string
}): ProviderSettings {
  return {
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    authorizeUrl: cfg.authorizeUrl,
    tokenUrl: cfg.tokenUrl,
    scopes: ['read:user', 'user:email'],
    async fetchProfile(accessToken) {
      const user = parseOrReject(
        githubUser,
        await getJson(cfg.userUrl, accessToken, 'application/vnd.github+json'),
      )
      // The profile email may be unverified or hidden; only the emails endpoint says which is verified.
      const emails = parseOrReject(
        githubEmails,
        await getJson(cfg.emailsUrl, accessToken, 'application/vnd.github+json'),
      )
      const chosen =
        emails.find((e) => e.primary === true && e.verified === true) ??
        emails.find((e) => e.verified === true)
      return {
        provider: 'github',
        subject: String(user.id),
        email: chosen?.email ?? null,
        emailVerified: chosen !== undefined,
        name: user.name ?? user.login ?? '',
      }
    },
  }
}

const googleUser = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  name: z.string().optional(),
})

export function googleProvider(cfg: {
  clientId: string
  clientSecret: string
  authorizeUrl: string
  tokenUrl: string
  userinfoUrl: string
}): ProviderSettings {
  return {
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    authorizeUrl: cfg.authorizeUrl,
    tokenUrl: cfg.tokenUrl,
    scopes: ['openid', 'email', 'profile'],
    async fetchProfile(accessToken) {
      const info = parseOrReject(googleUser, await getJson(cfg.userinfoUrl, accessToken))
      return {
        provider: 'google',
        subject: info.sub,
        email: info.email ?? null,
        emailVerified: info.email_verified === true || info.email_verified === 'true',
        name: info.name ?? '',
      }
    },
  }
}

/** The providers whose client id and secret are configured, with their endpoints. */
export function configuredProviders(config: GatewayConfig): Partial<Record<ProviderName, ProviderSettings>> {
  const providers: Partial<Record<ProviderName, ProviderSettings>> = {}
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET) {
    providers.github = githubProvider({
      clientId: config.GITHUB_CLIENT_ID,
      clientSecret: config.GITHUB_CLIENT_SECRET,
      authorizeUrl: config.GITHUB_AUTHORIZE_URL,
      tokenUrl: config.GITHUB_TOKEN_URL,
      userUrl: config.GITHUB_USER_URL,
      emailsUrl: config.GITHUB_EMAILS_URL,
    })
  }
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET) {
    providers.google = googleProvider({
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: config.GOOGLE_CLIENT_SECRET,
      authorizeUrl: config.GOOGLE_AUTHORIZE_URL,
      tokenUrl: config.GOOGLE_TOKEN_URL,
      userinfoUrl: config.GOOGLE_USERINFO_URL,
    })
  }
  return providers
}
