import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { api, onSessionLost } from '../../lib/api.ts'
import { type AccountUser, accountApi } from './authApi.ts'

interface AuthState {
  user: AccountUser | null
  loading: boolean
  login(email: string, password: string): Promise<AccountUser>
  register(email: string, password: string, name?: string): Promise<AccountUser>
  logout(): Promise<void>
  /** Renews the session's tokens (the role is decided when they are issued) and reloads the user. */
  renew(): Promise<void>
}

/** The signed-in user with every account field; null when the session is gone. */
async function signedInUser(): Promise<AccountUser> {
  const u = await accountApi.me()
  if (!u) throw new Error('the session was not opened')
  return u
}

const AuthContext = createContext<AuthState | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<AccountUser | null>(null)
  const [loading, setLoading] = useState(true)

  useEffect(() => {
    const controller = new AbortController()
    // An aborted lookup (unmount, or StrictMode's double effect in development) must not
    // report "logged out": that would bounce a logged-in user to the login page.
    accountApi
      .me()
      .then((u) => {
        if (!controller.signal.aborted) setUser(u)
      })
      .catch(() => {
        if (!controller.signal.aborted) setUser(null)
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false)
      })
    const off = onSessionLost(() => setUser(null))
    return () => {
      controller.abort()
      off()
    }
  }, [])

  const login = useCallback(async (email: string, password: string) => {
    await api.login(email, password)
    const u = await signedInUser()
    setUser(u)
    return u
  }, [])

  const register = useCallback(async (email: string, password: string, name?: string) => {
    await api.register(email, password, name)
    // Registration may or may not open a session; logging in makes the next step certain.
    await api.login(email, password)
    const u = await signedInUser()
    setUser(u)
    return u
  }, [])

  const logout = useCallback(async () => {
    try {
      await api.logout()
    } finally {
      setUser(null)
    }
  }, [])

  const renew = useCallback(async () => {
    await accountApi.refresh()
    setUser(await accountApi.me())
  }, [])

  const value = useMemo(
    () => ({ user, loading, login, register, logout, renew }),
    [user, loading, login, register, logout, renew],
  )
  return <AuthContext value={value}>{children}</AuthContext>
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext)
  if (!ctx) throw new Error('useAuth outside AuthProvider')
  return ctx
}
