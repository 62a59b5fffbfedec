import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackResources } from '@lfusys/aws'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { envExampleNames, repoRoot } from './envExample.ts'

// No Docker engine runs here: check the compose files statically.
interface Compose {
  services: Record<
    string,
    {
      environment?: Record<string, string>
      healthcheck?: unknown
      depends_on?: Record<string, unknown>
      build?: unknown
      image?: string
    }
  >
}
const load = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8'), { merge: true }) as Compose

describe.each(['docker-compose.yml', 'docker-compose.prod.yml'])('%s', (file) => {
  const compose = load(file)

  it('runs every service with a health check and an image or build', () => {
    for (const name of ['gateway', 'sessions', 'uploads', 'web']) {
      const service = compose.services[name]
      expect(service, name).toBeDefined()
      expect(service?.build ?? service?.image, name).toBeDefined()
      if (name !== 'web') expect(service?.healthcheck, name).toBeDefined()
    }
  })

  it('passes only documented variables to the services', () => {
    const documented = envExampleNames()
    const used = ['gateway', 'sessions', 'uploads'].flatMap((name) =>
      Object.keys(compose.services[name]?.environment ?? {}),
    )
    expect([...new Set(used.filter((v) => !documented.has(v)))]).toEqual([])
  })
})

describe('docker-compose.yml (development)', () => {
  it('uses the names of the shared resource declaration and provisions with the shared code', () => {
    const compose = load('docker-compose.yml')
    const dev = stackResources('lfusys-dev')
    const sessions = compose.services.sessions?.environment ?? {}
    expect(sessions.S3_BUCKET).toBe(dev.bucket)
    expect(sessions.DYNAMODB_UPLOADS_TABLE).toBe(dev.tables.uploads.name)
    expect(sessions.DYNAMODB_FILES_TABLE).toBe(dev.tables.files.name)
    expect(sessions.SQS_CHUNK_EVENTS_QUEUE_URL).toMatch(new RegExp(`/${dev.chunkEventsQueue}$`))
    expect(compose.services.gateway?.environment?.DYNAMODB_USERS_TABLE).toBe(dev.tables.users.name)
    expect(JSON.stringify(compose.services.provision)).toContain('packages/aws/src/provisionCli.ts')
  })
})
