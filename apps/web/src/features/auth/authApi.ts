import type { User } from '@lfusys/upload-client'
import { API_BASE, mayHaveSession, sessionFetch } from '../../lib/api.ts'

export interface AccountUser extends User {
  emailVerified: boolean
}

export type Provider = 'github' | 'google'

/** An error answer of the gateway, with its code and details (e.g. reason of a refused link). */
export class AccountApiError extends Error {
  override readonly name = 'AccountApiError'
  readonly status: number
  readonly code: string
  readonly reason: string | undefined

  constructor(status: number, code: string, message: string, reason: string | undefined) {
    super(message)
    this.status = status
    this.code = code
    this.reason = reason
  }
}

async function call(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
  const res = await sessionFetch(`${API_BASE}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  })
  const text = await res.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: { reason?: unknown } } })
      ?.error
    throw new AccountApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : 'HTTP_ERROR',
      typeof error?.message === 'string' ? error.message : `the server answered ${res.status}`,
      typeof error?.details?.reason === 'string' ? error.details.reason : undefined,
    )
  }
  return body
}

function accountUser(body: unknown): AccountUser {
  const u = (body as { user?: Record<string, unknown> })?.user
  if (!u || typeof u.id !== 'string' || typeof u.email !== 'string') throw new Error('unexpected answer')
  return {
    id: u.id,
    email: u.email,
    name: typeof u.name === 'string' ? u.name : '',
    role: u.role === 'admin' ? 'admin' : 'user',
    emailVerified: u.emailVerified === true,
  }
}

export const accountApi = {
  async me(): Promise<AccountUser | null> {
    if (!mayHaveSession()) return null
    try {
      return accountUser(await call('/auth/me'))
    } catch (err) {
      if (err instanceof AccountApiError && err.status === 401) return null
      throw err
    }
  },
  /** Renews the session's tokens, so a role decided at issuance (admin after verification) applies. */
  async refresh(): Promise<AccountUser> {
    return accountUser(await call('/auth/refresh', { method: 'POST' }))
  },
  async providers(): Promise<Provider[]> {
    const body = (await call('/auth/providers')) as { providers?: unknown }
    return Array.isArray(body?.providers)
      ? body.providers.filter((p): p is Provider => p === 'github' || p === 'google')
      : []
  },
  async verifyEmail(token: string): Promise<string> {
    const body = (await call('/auth/verify-email', { method: 'POST', body: { token } })) as {
      email?: unknown
    }
    return typeof body?.email === 'string' ? body.email : ''
  },
  async resendVerification(): Promise<'sent' | 'already_verified'> {
    const body = (await call('/auth/verify-email/resend', { method: 'POST' })) as { status?: unknown }
    return body?.status === 'already_verified' ? 'already_verified' : 'sent'
  },
  async forgotPassword(email: string): Promise<void> {
    await call('/auth/password/forgot', { method: 'POST', body: { email } })
  },
  async resetPassword(token: string, password: string): Promise<void> {
    await call('/auth/password/reset', { method: 'POST', body: { token, password } })
  },
}
