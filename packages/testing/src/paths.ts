import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const cacheDir = join(repoRoot, '.cache')
/** Git-ignored folder for screenshots, logs and other test outputs. */
export const artifactsDir = join(repoRoot, 'test-artifacts')
