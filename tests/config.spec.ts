import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeEnv } from '@lfusys/config'
import { describe, expect, it } from 'vitest'
import { renderConfigDocs, serviceSchemas } from '../scripts/configDocs.ts'
import { envExampleNames, repoRoot } from './envExample.ts'

describe('configuration', () => {
  it('lists every schema variable in .env.example, and nothing else', async () => {
    const documented = envExampleNames()
    const schemas = await serviceSchemas()
    expect(schemas.map((s) => s.service)).toEqual(['gateway', 'sessions', 'uploads'])
    const read = new Set(schemas.flatMap(({ schema }) => describeEnv(schema).map((v) => v.name)))
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([])
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([])
  })

  it('describes every variable', async () => {
    for (const { service, schema } of await serviceSchemas()) {
      const undescribed = describeEnv(schema)
        .filter((v) => v.description.trim() === '')
        .map((v) => v.name)
      expect(undescribed, service).toEqual([])
    }
  })

  it('keeps docs/configuration.md generated from the schemas', async () => {
    const committed = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8')
    expect(committed, 'run: node scripts/configDocs.ts --write').toBe(await renderConfigDocs())
  })
})
