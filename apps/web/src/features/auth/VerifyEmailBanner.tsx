import { useState } from 'react'
import { errorMessage } from '../../lib/api.ts'
import { useLocation } from '../../lib/router.tsx'
import { useAuth } from './AuthContext.tsx'
import { accountApi } from './authApi.ts'

/** A thin reminder under the header while the signed-in account's address is unconfirmed. */
export function VerifyEmailBanner() {
  const { user } = useAuth()
  const { pathname } = useLocation()
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  if (!user || user.emailVerified || pathname === '/verify-email') return null

  const resend = async () => {
    setBusy(true)
    try {
      const status = await accountApi.resendVerification()
      setNote(
        status === 'sent'
          ? `A new link is on its way to ${user.email}.`
          : 'Your address is already confirmed.',
      )
    } catch (err) {
      setNote(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section
      aria-label="Email confirmation"
      data-testid="verify-banner"
      className="border-b border-amber-200 bg-amber-50 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2">
        <span>Please confirm your email address: we sent a link to {user.email}.</span>
        <button
          type="button"
          disabled={busy}
          onClick={() => void resend()}
          className="font-medium underline disabled:opacity-60"
        >
          Send a new link
        </button>
        {note ? (
          <span role="status" className="text-amber-800 dark:text-amber-200">
            {note}
          </span>
        ) : null}
      </div>
    </section>
  )
}
