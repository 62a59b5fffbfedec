import type { z } from 'zod'
import { productionSecretProblems, type SecretKind } from './secrets.ts'

export type Env = Record<string, string | undefined>

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.problems = problems
  }
}

export interface LoadConfigOptions {
  /**
   * Secret variables of the schema. With `LFUSYS_ENV=production` (also the default) the process
   * refuses to start when one holds a value published in the repository or, for keys, less than
   * 32 bytes of entropy.
   */
  secrets?: Readonly<Record<string, SecretKind>>
}

/**
 * Parses `env` with `schema`. Pure: `server.ts` passes `process.env`, tests pass a plain object.
 * Empty strings count as unset so `FOO=` in an env file falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Env,
  options: LoadConfigOptions = {},
): z.infer<S> {
  const cleaned: Record<string, string> = {}
  for (const key of Object.keys(schema.shape)) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim()
  }
  const result = schema.safeParse(cleaned)
  if (result.success) {
    const data = result.data as Record<string, unknown>
    if (data.LFUSYS_ENV === 'production' && options.secrets) {
      const problems = productionSecretProblems(data, options.secrets)
      if (problems.length > 0) throw new ConfigError(problems)
    }
    return result.data
  }
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)'
      return `${key}: ${issue.message}`
    }),
  )
}

export interface EnvVarDoc {
  name: string
  description: string
  required: boolean
  defaultValue: string | undefined
}

/** Lists a schema's variables with their descriptions, for docs and drift checks. */
export function describeEnv(schema: z.ZodObject): EnvVarDoc[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const type = field as z.ZodType
    const parsedEmpty = type.safeParse(undefined)
    return {
      name,
      description: type.description ?? '',
      required: !parsedEmpty.success,
      defaultValue:
        parsedEmpty.success && parsedEmpty.data !== undefined ? String(parsedEmpty.data) : undefined,
    }
  })
}
