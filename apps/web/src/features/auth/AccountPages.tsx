import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@lfusys/contracts'
import { type FormEvent, useEffect, useState } from 'react'
import { Alert, PageTitle, TextField } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { Link, useLocation } from '../../lib/router.tsx'
import { useAuth } from './AuthContext.tsx'
import { AccountApiError, accountApi } from './authApi.ts'

const submitClass =
  'w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:opacity-60'
const linkClass = 'font-medium text-indigo-600 underline dark:text-indigo-400'

function tokenFrom(search: string): string {
  return new URLSearchParams(search).get('token') ?? ''
}

function linkProblem(err: unknown, what: string): string {
  if (err instanceof AccountApiError && err.reason === 'expired') return `This ${what} link has expired.`
  if (err instanceof AccountApiError && err.reason === 'invalid') {
    return `This ${what} link is not valid: it may have been used already, or a newer one was sent.`
  }
  return errorMessage(err)
}

/**
 * A link is single use: the first request consumes it. React may run an effect twice (StrictMode in
 * development), so each token is sent once and its result shared.
 */
const verifications = new Map<string, Promise<string>>()

export function VerifyEmailPage() {
  const { search } = useLocation()
  const { user, renew } = useAuth()
  const token = tokenFrom(search)
  const [state, setState] = useState<
    { kind: 'busy' } | { kind: 'done'; email: string } | { kind: 'failed'; message: string }
  >({ kind: 'busy' })

  useEffect(() => {
    let live = true
    let pending = verifications.get(token)
    if (!pending) {
      pending = accountApi.verifyEmail(token)
      verifications.set(token, pending)
    }
    pending.then(
      (email) => {
        if (live) setState({ kind: 'done', email })
      },
      (err: unknown) => {
        if (live) setState({ kind: 'failed', message: linkProblem(err, 'confirmation') })
      },
    )
    return () => {
      live = false
    }
  }, [token])

  // A signed-in account gets fresh tokens, so a role that needs a verified address applies at once.
  const signedInEmail = user?.email
  const stale = user !== null && !user.emailVerified
  useEffect(() => {
    if (state.kind === 'done' && stale && signedInEmail === state.email) void renew().catch(() => {})
  }, [state, stale, signedInEmail, renew])

  return (
    <div className="mx-auto max-w-md">
      <PageTitle>Confirm your email address</PageTitle>
      {state.kind === 'busy' ? <p aria-live="polite">Confirming...</p> : null}
      {state.kind === 'done' ? (
        <Alert kind="success">
          <strong>{state.email}</strong> is confirmed. Thank you.{' '}
          {user ? (
            <Link href="/upload" className={linkClass}>
              Go to your uploads
            </Link>
          ) : (
            <Link href="/login" className={linkClass}>
              Log in
            </Link>
          )}
        </Alert>
      ) : null}
      {state.kind === 'failed' ? (
        <div className="space-y-4">
          <Alert>{state.message}</Alert>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {user
              ? 'Use “Send a new link” in the banner at the top of the page.'
              : 'Log in and ask for a new link from the banner at the top of the page.'}
          </p>
        </div>
      ) : null}
    </div>
  )
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('')
  const [sentTo, setSentTo] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      await accountApi.forgotPassword(email)
      setSentTo(email)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="mx-auto max-w-md">
      <PageTitle subtitle="We will email you a link to choose a new one.">Forgot your password?</PageTitle>
      {sentTo ? (
        <Alert kind="success">
          If an account exists for <strong>{sentTo}</strong>, a reset link is on its way. It works once, for
          30 minutes.
        </Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="space-y-4">
          <TextField
            id="forgot-email"
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          {error ? <Alert>{error}</Alert> : null}
          <button type="submit" disabled={busy} className={submitClass}>
            {busy ? 'Sending...' : 'Send reset link'}
          </button>
        </form>
      )}
      <p className="mt-6 text-sm text-slate-600 dark:text-slate-400">
        Remembered it?{' '}
        <Link href="/login" className={linkClass}>
          Log in
        </Link>
      </p>
    </div>
  )
}

export function ResetPasswordPage() {
  const { search } = useLocation()
  const token = tokenFrom(search)
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [error, setError] = useState('')
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    if (password !== confirm) {
      setError('The two passwords differ.')
      return
    }
    setBusy(true)
    try {
      await accountApi.resetPassword(token, password)
      setDone(true)
    } catch (err) {
      setError(err instanceof AccountApiError && err.reason ? linkProblem(err, 'reset') : errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="mx-auto max-w-md">
      <PageTitle subtitle="Every device signed in to your account will be signed out.">
        Choose a new password
      </PageTitle>
      {done ? (
        <Alert kind="success">
          Your password was changed.{' '}
          <Link href="/login" className={linkClass}>
            Log in with it
          </Link>
        </Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="space-y-4">
          <TextField
            id="reset-password"
            label="New password"
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
          <TextField
            id="reset-confirm"
            label="New password again"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          {error ? (
            <Alert>
              {error}{' '}
              {error.includes('link') ? (
                <Link href="/forgot-password" className={linkClass}>
                  Ask for a new link
                </Link>
              ) : null}
            </Alert>
          ) : null}
          <button type="submit" disabled={busy} className={submitClass}>
            {busy ? 'Saving...' : 'Change password'}
          </button>
        </form>
      )}
    </div>
  )
}
