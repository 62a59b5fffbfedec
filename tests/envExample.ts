import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..')

/** Variable names listed in .env.example (commented-out lines count: they document optional ones). */
export function envExampleNames(): Set<string> {
  const text = readFileSync(join(repoRoot, '.env.example'), 'utf8')
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line.trim())
    if (match?.[1]) names.add(match[1])
  }
  return names
}
