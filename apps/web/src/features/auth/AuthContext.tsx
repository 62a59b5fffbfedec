import type { User } from '@lfusys/upload-client'
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { api, onSessionLost } from '../../lib/api.ts'

interface AuthState {
  user: User | null
  loading: boolean
  login(email: string, password: string): Promise<User>
  register(email: string, password: string, name?: string): Promise<User>
  logout(): Promise<void>
}

const AuthContext = createContext<AuthState | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null)
  const [loading, setLoading] = useState(true)

  useEffect(() => {
    const controller = new AbortController()
    // An aborted lookup (unmount, or StrictMode's double effect in development) must not
    // report "logged out": that would bounce a logged-in user to the login page.
    api
      .me(controller.signal)
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
    const u = await api.login(email, password)
    setUser(u)
    return u
  }, [])

  const register = useCallback(async (email: string, password: string, name?: string) => {
    await api.register(email, password, name)
    // Registration may or may not open a session; logging in makes the next step certain.
    const u = await api.login(email, password)
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

  const value = useMemo(
    () => ({ user, loading, login, register, logout }),
    [user, loading, login, register, logout],
  )
  return <AuthContext value={value}>{children}</AuthContext>
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext)
  if (!ctx) throw new Error('useAuth outside AuthProvider')
  return ctx
}
