import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@lfusys/contracts'
import { type FormEvent, useEffect, useState } from 'react'
import { Alert, PageTitle, TextField } from '../../components/ui.tsx'
import { API_BASE, errorMessage } from '../../lib/api.ts'
import { Link, navigate, useLocation } from '../../lib/router.tsx'
import { useAuth } from './AuthContext.tsx'
import { accountApi, type Provider } from './authApi.ts'
import { safeNextPath } from './safeNext.ts'

function nextPath(search: string): string {
  return safeNextPath(search, window.location.origin)
}

/** Why a provider sign-in came back refused (`/login?error=<reason>`), in words. */
const OAUTH_ERRORS: Record<string, string> = {
  account_unverified:
    'An account with this email address already exists, but its address was never confirmed, so it was not ' +
    'linked to your sign-in. If it is yours, reset its password through “Forgot your password?” (the link ' +
    'confirms the address and signs out everyone else), then sign in with the provider again.',
  email_not_verified: 'The provider did not confirm your email address, so we cannot sign you in with it.',
  email_in_use: 'An account with this email address already exists. Log in with your password.',
  provider_denied: 'The sign-in was cancelled at the provider.',
  state_mismatch: 'The sign-in started in another browser or tab. Please try again.',
  state_invalid: 'The sign-in took too long or was already used. Please try again.',
  unavailable: 'The provider could not be reached. Please try again later.',
}

/** The providers this deployment has configured; none while unknown, so no button leads nowhere. */
function useProviders(): Provider[] {
  const [providers, setProviders] = useState<Provider[]>([])
  useEffect(() => {
    let live = true
    accountApi.providers().then(
      (p) => {
        if (live) setProviders(p)
      },
      () => {},
    )
    return () => {
      live = false
    }
  }, [])
  return providers
}

function OAuthButtons({ providers }: { providers: Provider[] }) {
  if (providers.length === 0) return null
  return (
    <div className="grid gap-2 sm:grid-cols-2">
      {providers.includes('github') ? <GitHubButton /> : null}
      {providers.includes('google') ? <GoogleButton /> : null}
    </div>
  )
}

function GitHubButton() {
  return (
    <a
      href={`${API_BASE}/auth/github/start`}
      className="inline-flex items-center justify-center gap-2 rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
    >
      <svg aria-hidden="true" viewBox="0 0 16 16" className="h-4 w-4" fill="currentColor">
        <path d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z" />
      </svg>
      Continue with GitHub
    </a>
  )
}

function GoogleButton() {
  return (
    <a
      href={`${API_BASE}/auth/google/start`}
      className="inline-flex items-center justify-center gap-2 rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
    >
      <svg aria-hidden="true" viewBox="0 0 48 48" className="h-4 w-4">
        <path
          fill="#EA4335"
          d="M24 9.5c3.5 0 6.6 1.2 9.1 3.6l6.8-6.8C35.8 2.4 30.3 0 24 0 14.6 0 6.6 5.4 2.7 13.3l7.9 6.1C12.5 13.6 17.8 9.5 24 9.5z"
        />
        <path
          fill="#4285F4"
          d="M46.1 24.5c0-1.6-.1-3.1-.4-4.5H24v9h12.4c-.5 2.9-2.2 5.3-4.6 6.9l7.4 5.7c4.3-4 6.9-9.9 6.9-17.1z"
        />
        <path
          fill="#FBBC05"
          d="M10.6 28.6c-.5-1.4-.8-3-.8-4.6s.3-3.2.8-4.6l-7.9-6.1C1 16.6 0 20.2 0 24s1 7.4 2.7 10.7l7.9-6.1z"
        />
        <path
          fill="#34A853"
          d="M24 48c6.5 0 11.9-2.1 15.9-5.8l-7.4-5.7c-2.1 1.4-4.8 2.3-8.5 2.3-6.2 0-11.5-4.1-13.4-9.8l-7.9 6.1C6.6 42.6 14.6 48 24 48z"
        />
      </svg>
      Continue with Google
    </a>
  )
}

function Divider({ providers }: { providers: Provider[] }) {
  if (providers.length === 0) return null
  return (
    <div className="my-6 flex items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
      <span className="h-px flex-1 bg-slate-200 dark:bg-slate-800" />
      or with email
      <span className="h-px flex-1 bg-slate-200 dark:bg-slate-800" />
    </div>
  )
}

/** A logged-in user who lands on login or register goes on to where they were headed. */
function useRedirectWhenLoggedIn(search: string) {
  const { user } = useAuth()
  useEffect(() => {
    if (user) navigate(nextPath(search), { replace: true })
  }, [user, search])
}

export function LoginPage() {
  const { login } = useAuth()
  const { search } = useLocation()
  useRedirectWhenLoggedIn(search)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const oauthError = new URLSearchParams(search).get('error')
  const providers = useProviders()

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      await login(email, password)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="mx-auto max-w-md">
      <PageTitle subtitle="Welcome back.">Log in</PageTitle>
      {oauthError ? (
        <div className="mb-4">
          <Alert>{OAUTH_ERRORS[oauthError] ?? `Signing in with the provider failed (${oauthError}).`}</Alert>
        </div>
      ) : null}
      <OAuthButtons providers={providers} />
      <Divider providers={providers} />
      <form onSubmit={(e) => void submit(e)} className="space-y-4" noValidate={false}>
        <TextField
          id="login-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          id="login-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? <Alert>{error}</Alert> : null}
        <button
          type="submit"
          disabled={busy}
          className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
        >
          {busy ? 'Logging in...' : 'Log in'}
        </button>
      </form>
      <p className="mt-4 text-sm">
        <Link href="/forgot-password" className="font-medium text-indigo-600 underline dark:text-indigo-400">
          Forgot your password?
        </Link>
      </p>
      <p className="mt-6 text-sm text-slate-600 dark:text-slate-400">
        No account yet?{' '}
        <Link
          href={`/register${search}`}
          className="font-medium text-indigo-600 underline dark:text-indigo-400"
        >
          Create one
        </Link>
      </p>
    </div>
  )
}

export function RegisterPage() {
  const { register } = useAuth()
  const { search } = useLocation()
  useRedirectWhenLoggedIn(search)
  const providers = useProviders()
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      await register(email, password, name.trim() || undefined)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="mx-auto max-w-md">
      <PageTitle subtitle="Free, and your files stay yours.">Create an account</PageTitle>
      <OAuthButtons providers={providers} />
      <Divider providers={providers} />
      <form onSubmit={(e) => void submit(e)} className="space-y-4">
        <TextField
          id="reg-name"
          label={
            <>
              Name <span className="font-normal text-slate-600 dark:text-slate-400">(optional)</span>
            </>
          }
          type="text"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          id="reg-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          id="reg-password"
          label="Password"
          hint={
            <>
              {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.
            </>
          }
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          maxLength={PASSWORD_MAX_LENGTH}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? <Alert>{error}</Alert> : null}
        <button
          type="submit"
          disabled={busy}
          className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
        >
          {busy ? 'Creating account...' : 'Create account'}
        </button>
      </form>
      <p className="mt-6 text-sm text-slate-600 dark:text-slate-400">
        Already registered?{' '}
        <Link href={`/login${search}`} className="font-medium text-indigo-600 underline dark:text-indigo-400">
          Log in
        </Link>
      </p>
    </div>
  )
}
