// Renders docs/configuration.md from the services' zod schemas (the single source of truth).
// `node scripts/configDocs.ts --write` regenerates it; tests/config.spec.ts fails when it drifts.
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeEnv } from '@lfusys/config'
import type { z } from 'zod'

export const repoRoot = join(import.meta.dirname, '..')

export async function serviceSchemas(): Promise<{ service: string; schema: z.ZodObject }[]> {
  const out: { service: string; schema: z.ZodObject }[] = []
  for (const service of readdirSync(join(repoRoot, 'services')).sort()) {
    const file = join(repoRoot, 'services', service, 'src', 'config.ts')
    if (!existsSync(file)) continue
    const mod = (await import(file)) as Record<string, unknown>
    const entry = Object.entries(mod).find(([name]) => name.endsWith('ConfigSchema'))
    if (!entry) throw new Error(`${file} exports no <name>ConfigSchema`)
    out.push({ service, schema: entry[1] as z.ZodObject })
  }
  return out
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export async function renderConfigDocs(): Promise<string> {
  const lines = [
    '# Configuration',
    '',
    "Generated from the services' zod schemas by `node scripts/configDocs.ts --write`; a test fails when",
    'this page, a schema and `.env.example` disagree. Every service reads only its environment, parsed',
    'once at start-up by `loadConfig`; an invalid value stops the service with a message naming the',
    'variable. Empty values count as unset. `make dev` writes working local values to `.devstack/env`.',
    '',
  ]
  for (const { service, schema } of await serviceSchemas()) {
    lines.push(`## ${service}`, '', '| variable | required | default | description |', '|---|---|---|---|')
    for (const v of describeEnv(schema)) {
      lines.push(
        `| \`${v.name}\` | ${v.required ? 'yes' : 'no'} | ${v.defaultValue === undefined ? '' : `\`${cell(v.defaultValue)}\``} | ${cell(v.description)} |`,
      )
    }
    lines.push('')
  }
  return lines.join('\n')
}

if (process.argv.includes('--write')) {
  writeFileSync(join(repoRoot, 'docs', 'configuration.md'), await renderConfigDocs())
  console.log('wrote docs/configuration.md')
}
