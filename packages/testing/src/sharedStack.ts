import { inject } from 'vitest'

export interface SharedStack {
  /** AWS_* endpoint variables and REDIS_URL of the run's emulators. */
  env: Record<string, string>
  endpoints: { aws: string; dynamodb: string; redisUrl: string; smtpUrl: string; mailWeb: string }
  redisPid: number
}

declare module 'vitest' {
  export interface ProvidedContext {
    lfusysStack: SharedStack
  }
}

/** The stack the global setup started; fails loudly when a test runs outside the e2e project. */
export function sharedStack(): SharedStack {
  const stack = inject('lfusysStack')
  if (!stack)
    throw new Error('no local stack: run this test in the e2e project, whose global setup starts it')
  return stack
}
