import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, PUBLISHED_SECRETS } from '@lfusys/config'
import { describe, expect, it } from 'vitest'
import { loadGatewayConfig } from '../services/gateway/src/config.ts'
import { loadSessionsConfig } from '../services/sessions/src/config.ts'
import { loadUploadsConfig } from '../services/uploads/src/config.ts'
import { repoRoot } from './envExample.ts'

/** Variables holding secrets; their values in the repository's files must be on the published list. */
const SECRET_VARIABLES =
  /^(AUTH_TOKEN_KEYS|UPLOAD_TOKEN_KEYS|AWS_SECRET_ACCESS_KEY|\w+_CLIENT_SECRET|SMTP_URL)$/

/** `NAME=value` lines of .env.example and `NAME: value` / `${NAME:-default}` in the compose files. */
function secretValuesInRepository(): { file: string; name: string; value: string }[] {
  const found: { file: string; name: string; value: string }[] = []
  const env = readFileSync(join(repoRoot, '.env.example'), 'utf8')
  for (const line of env.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.+)$/.exec(line.trim())
    if (match?.[1] && match[2] && SECRET_VARIABLES.test(match[1])) {
      found.push({ file: '.env.example', name: match[1], value: match[2] })
    }
  }
  for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
    const text = readFileSync(join(repoRoot, file), 'utf8')
    for (const match of text.matchAll(/^\s*([A-Z][A-Z0-9_]*):\s*(.+)$/gm)) {
      const [, name = '', raw = ''] = match
      if (!SECRET_VARIABLES.test(name)) continue
      const value = /\$\{[A-Z0-9_]+:-([^}]*)\}/.exec(raw)?.[1] ?? (raw.includes('${') ? '' : raw.trim())
      if (value !== '') found.push({ file, name, value })
    }
  }
  return found
}

/** The secret part of a value: each key of a ring, the password of a URL, or the value itself. */
function secretParts(name: string, value: string): string[] {
  if (name.endsWith('_KEYS')) return value.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1))
  if (name === 'SMTP_URL')
    return URL.canParse(value) && new URL(value).password ? [new URL(value).password] : []
  return [value]
}

/** Every other variable each service needs in production, with unpublished values. */
const baseEnv = {
  gateway: {
    DYNAMODB_USERS_TABLE: 'users',
    S3_BUCKET: 'bucket',
    SERVICE_TOKEN_KEYS: 'c1:U2VydmljZS10b2tlbi1rZXktZ2VuZXJhdGVkLWZvci10aGlzLXRlc3Q',
    SMTP_URL: 'smtp://127.0.0.1:1025',
    MAIL_FROM: 'lfusys <no-reply@app.example>',
    GITHUB_CLIENT_ID: 'id',
    GITHUB_CLIENT_SECRET: 'gh-secret-from-github',
    GOOGLE_CLIENT_ID: 'id',
    GOOGLE_CLIENT_SECRET: 'gg-secret-from-google',
  },
  sessions: {
    DYNAMODB_UPLOADS_TABLE: 'uploads',
    SERVICE_TOKEN_KEYS: 'c1:U2VydmljZS10b2tlbi1rZXktZ2VuZXJhdGVkLWZvci10aGlzLXRlc3Q',
    DYNAMODB_FILES_TABLE: 'files',
    S3_BUCKET: 'bucket',
    SQS_CHUNK_EVENTS_QUEUE_URL: 'http://127.0.0.1:1/q',
  },
  uploads: { S3_BUCKET: 'bucket', WEB_ORIGIN: 'https://app.example' },
}
const loaders = {
  gateway: (env: Record<string, string>) => loadGatewayConfig({ ...baseEnv.gateway, ...env }),
  sessions: (env: Record<string, string>) => loadSessionsConfig({ ...baseEnv.sessions, ...env }),
  uploads: (env: Record<string, string>) => loadUploadsConfig({ ...baseEnv.uploads, ...env }),
}
const keyVariable = {
  gateway: 'AUTH_TOKEN_KEYS',
  sessions: 'UPLOAD_TOKEN_KEYS',
  uploads: 'UPLOAD_TOKEN_KEYS',
}
const strongKey = 'k1:Qm9vdHN0cmFwcGVkLWJ5LW9wZW5zc2wtcmFuZC1iYXNlNjQtMzItYnl0ZXM'

function problems(load: () => unknown): string[] {
  try {
    load()
    return []
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems]
    throw err
  }
}

describe('published secrets', () => {
  it('lists every secret value that appears in .env.example and the compose files', () => {
    const values = secretValuesInRepository()
    expect(values.length).toBeGreaterThan(0)
    const missing = values
      .flatMap(({ file, name, value }) => secretParts(name, value).map((part) => ({ file, name, part })))
      .filter(({ part }) => !PUBLISHED_SECRETS.some((published) => part.includes(published)))
    expect(missing).toEqual([])
  })

  describe.each(Object.keys(loaders) as (keyof typeof loaders)[])('%s in production', (service) => {
    const load = loaders[service]
    const variable = keyVariable[service]

    it('starts with a strong unpublished key, as production when LFUSYS_ENV is unset', () => {
      expect(problems(() => load({ [variable]: strongKey }))).toEqual([])
      expect((load({ [variable]: strongKey }) as { LFUSYS_ENV: string }).LFUSYS_ENV).toBe('production')
    })

    it.each(PUBLISHED_SECRETS.map((s) => [s]))('refuses the published value %s', (published) => {
      expect(problems(() => load({ [variable]: `k1:${published}` }))).toContain(
        `${variable}: key "k1" uses a value published in the repository`,
      )
      expect(problems(() => load({ [variable]: strongKey, AWS_SECRET_ACCESS_KEY: published }))).toEqual([
        'AWS_SECRET_ACCESS_KEY: uses a value published in the repository',
      ])
    })

    it('refuses a key with less than 32 bytes of entropy', () => {
      expect(problems(() => load({ [variable]: `k1:${'0123456789abcdef'.repeat(2)}` }))).toEqual([
        `${variable}: key "k1" has less than 32 bytes of entropy (generate one with \`openssl rand -base64 32\`)`,
      ])
    })
  })
})

describe('a service process without LFUSYS_ENV', () => {
  it.each(['gateway', 'sessions', 'uploads'])(
    '%s runs as production and refuses to start with a published key',
    async (service) => {
      const variable = keyVariable[service as keyof typeof keyVariable]
      const child = spawn(process.execPath, [join(repoRoot, 'services', service, 'src', 'server.ts')], {
        // Nothing else: no LFUSYS_ENV, like a container that forgot to set it.
        env: {
          PATH: process.env.PATH ?? '',
          ...baseEnv[service as keyof typeof baseEnv],
          [variable]: `k1:${PUBLISHED_SECRETS[0]}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve))
      expect(status).toBe(1)
      expect(stderr).toContain(`${variable}: key "k1" uses a value published in the repository`)
      expect(stderr).not.toContain(PUBLISHED_SECRETS[0])
    },
    // A process start (Node type-stripping the service's imports) on a shared, loaded machine.
    60_000,
  )
})
