import { lazy, type ReactNode, Suspense, useEffect, useRef } from 'react'
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './features/auth/AccountPages.tsx'
import { AuthProvider, useAuth } from './features/auth/AuthContext.tsx'
import { LoginPage, RegisterPage } from './features/auth/AuthPages.tsx'
import { VerifyEmailBanner } from './features/auth/VerifyEmailBanner.tsx'
import { FilesPage } from './features/files/FilesPage.tsx'
import { HomePage } from './features/home/HomePage.tsx'
import { UploadPage } from './features/upload/UploadPage.tsx'
import { Link, navigate, Router, useLocation } from './lib/router.tsx'
import { type Theme, useTheme } from './lib/theme.ts'

// Uppy and its styles load with this page only, so the other pages stay as light as they were.
const UppyPage = lazy(() => import('./features/uppy/UppyPage.tsx').then((m) => ({ default: m.UppyPage })))

const NAV = [
  ['/', 'Home'],
  ['/upload', 'Upload'],
  ['/files', 'Files'],
] as const

function ThemeSwitch() {
  const [theme, setTheme] = useTheme()
  return (
    <label className="inline-flex items-center gap-1 text-sm">
      <span className="sr-only">Colour theme</span>
      <select
        value={theme}
        onChange={(e) => {
          const v = e.currentTarget.value
          if (v === 'light' || v === 'dark' || v === 'system') setTheme(v satisfies Theme)
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  )
}

function Header() {
  const { user, logout } = useAuth()
  const { pathname } = useLocation()
  return (
    <header className="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <Link href="/" className="flex items-center gap-2 text-lg font-bold">
          <span aria-hidden="true" className="inline-block h-6 w-6 rounded-md bg-indigo-600" />
          lfusys
        </Link>
        <nav aria-label="Main">
          <ul className="flex gap-1">
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link
                  href={href}
                  aria-current={pathname === href ? 'page' : undefined}
                  className={`rounded-md px-3 py-1.5 text-sm font-medium ${
                    pathname === href
                      ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300'
                      : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'
                  }`}
                >
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="flex items-center gap-3">
          <ThemeSwitch />
          {user ? (
            <>
              <span
                className="hidden text-sm text-slate-600 sm:inline dark:text-slate-400"
                data-testid="user-email"
              >
                {user.email}
                {user.role === 'admin' ? ' (admin)' : ''}
              </span>
              <button
                type="button"
                onClick={() => void logout().then(() => navigate('/'))}
                className="rounded-md px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:hover:bg-slate-800"
              >
                Log out
              </button>
            </>
          ) : (
            <Link
              href="/login"
              className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
            >
              Log in
            </Link>
          )}
        </div>
      </div>
    </header>
  )
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, loading } = useAuth()
  const { pathname } = useLocation()
  useEffect(() => {
    if (!loading && !user) navigate(`/login?next=${encodeURIComponent(pathname)}`, { replace: true })
  }, [loading, user, pathname])
  if (loading || !user) return <p aria-live="polite">Loading...</p>
  return children
}

function NotFound() {
  return (
    <div>
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="mt-2">
        <Link href="/" className="underline">
          Back to the home page
        </Link>
      </p>
    </div>
  )
}

function Page() {
  const { pathname } = useLocation()
  const main = useRef<HTMLElement>(null)
  const shown = useRef(pathname)
  // Moves focus to the new page's content on navigation, so keyboard and screen reader users
  // are not left on the link they activated. Not on first load: there the skip link comes first.
  useEffect(() => {
    if (shown.current === pathname) return
    shown.current = pathname
    main.current?.focus({ preventScroll: true })
  }, [pathname])
  let page: ReactNode
  switch (pathname) {
    case '/':
      page = <HomePage />
      break
    case '/login':
      page = <LoginPage />
      break
    case '/register':
      page = <RegisterPage />
      break
    case '/verify-email':
      page = <VerifyEmailPage />
      break
    case '/forgot-password':
      page = <ForgotPasswordPage />
      break
    case '/reset-password':
      page = <ResetPasswordPage />
      break
    case '/upload':
      page = (
        <RequireAuth>
          <UploadPage />
        </RequireAuth>
      )
      break
    case '/uppy':
      page = (
        <RequireAuth>
          <Suspense fallback={<p aria-live="polite">Loading...</p>}>
            <UppyPage />
          </Suspense>
        </RequireAuth>
      )
      break
    case '/files':
      page = (
        <RequireAuth>
          <FilesPage />
        </RequireAuth>
      )
      break
    default:
      page = <NotFound />
  }
  return (
    <main id="content" ref={main} tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 outline-none">
      {page}
    </main>
  )
}

export function App() {
  return (
    <Router>
      <AuthProvider>
        <a
          href="#content"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-indigo-700"
        >
          Skip to content
        </a>
        <div className="min-h-screen">
          <Header />
          <VerifyEmailBanner />
          <Page />
        </div>
      </AuthProvider>
    </Router>
  )
}
