import { timingSafeEqual } from 'node:crypto'
import { AppError } from '@lfusys/errors'
import {
  ArcticFetchError,
  CodeChallengeMethod,
  generateCodeVerifier,
  generateState,
  OAuth2Client,
} from 'arctic'
import type { ProviderProfile } from '../accounts/AccountService.ts'
import type { ProviderName, ProviderSettings } from './OAuthProviders.ts'
import type { OAuthStateStore } from './OAuthStateStore.ts'

export interface OAuthServiceOptions {
  providers: Partial<Record<ProviderName, ProviderSettings>>
  states: OAuthStateStore
  /** Public base URL of the gateway; the callback is `${base}/api/v1/auth/<provider>/callback`. */
  publicUrl: string
}

export interface CallbackInput {
  code: string | undefined
  state: string | undefined
  /** The state held in the browser-binding cookie set by `start`. */
  cookieState: string | undefined
  error: string | undefined
}

const rejected = (reason: string, message: string) =>
  new AppError('FORBIDDEN', message, { details: { reason } })

export class OAuthService {
  private readonly providers: Partial<Record<ProviderName, ProviderSettings>>
  private readonly states: OAuthStateStore
  private readonly publicUrl: string

  constructor(options: OAuthServiceOptions) {
    this.providers = options.providers
    this.states = options.states
    this.publicUrl = options.publicUrl.replace(/\/$/, '')
  }

  /** Providers with client settings, in a stable order. */
  configuredProviders(): ProviderName[] {
    return (['github', 'google'] as const).filter((p) => this.providers[p] !== undefined)
  }

  callbackUrl(provider: ProviderName): string {
    return `${this.publicUrl}/api/v1/auth/${provider}/callback`
  }

  async start(provider: ProviderName): Promise<{ url: string; state: string }> {
    const settings = this.settings(provider)
    const state = generateState()
    const codeVerifier = generateCodeVerifier()
    await this.states.put(state, { provider, codeVerifier })
    const url = this.client(provider, settings).createAuthorizationURLWithPKCE(
      settings.authorizeUrl,
      state,
      CodeChallengeMethod.S256,
      codeVerifier,
      settings.scopes,
    )
    return { url: url.toString(), state }
  }

  async callback(provider: ProviderName, input: CallbackInput): Promise<ProviderProfile> {
    const settings = this.settings(provider)
    if (input.error) throw rejected('provider_denied', 'the identity provider did not grant access')
    if (!input.state || !input.cookieState || !sameString(input.state, input.cookieState)) {
      // The state must come back to the browser that started the flow (login CSRF protection).
      throw rejected('state_mismatch', 'the sign-in state does not match this browser')
    }
    const record = await this.states.take(input.state)
    if (!record || record.provider !== provider) {
      throw rejected('state_invalid', 'the sign-in state is unknown, expired or already used')
    }
    if (!record.codeVerifier) throw rejected('pkce_missing', 'the sign-in attempt has no PKCE verifier')
    if (!input.code) throw rejected('code_missing', 'the identity provider sent no authorization code')
    let accessToken: string
    try {
      const tokens = await this.client(provider, settings).validateAuthorizationCode(
        settings.tokenUrl,
        input.code,
        record.codeVerifier,
      )
      accessToken = tokens.accessToken()
    } catch (err) {
      if (err instanceof ArcticFetchError) {
        throw new AppError('UNAVAILABLE', 'the identity provider is unreachable', {
          cause: err,
          retryAfterSeconds: 5,
        })
      }
      throw new AppError('UNAUTHENTICATED', 'the identity provider rejected the authorization code', {
        cause: err,
        details: { reason: 'code_rejected' },
      })
    }
    return settings.fetchProfile(accessToken)
  }

  private settings(provider: ProviderName): ProviderSettings {
    const settings = this.providers[provider]
    if (!settings) {
      throw new AppError('UNAVAILABLE', `sign-in with ${provider} is not configured`, {
        details: { reason: 'provider_not_configured', provider },
      })
    }
    return settings
  }

  private client(provider: ProviderName, settings: ProviderSettings): OAuth2Client {
    return new OAuth2Client(settings.clientId, settings.clientSecret, this.callbackUrl(provider))
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
