import { join } from 'node:path'
import { type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import { repoRoot } from '@lfusys/testing'

/**
 * Flags from shared/local-stack.md: no sandbox (root), no GPU, and no lookups of anything but
 * loopback, so the browser never reaches out to update or safe-browsing servers.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost',
]

export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * The production build behind `vite preview` (same /api proxy as the dev server): what users get,
 * and no dev-server dependency discovery reloading the page in the middle of a test.
 */
export async function buildAndPreview(options: {
  outDir: string
  port: number
  gatewayUrl: string
}): Promise<ManagedProcess> {
  const vite = join(repoRoot, 'apps/web/node_modules/vite/bin/vite.js')
  const build = spawnManaged(
    'web-build',
    process.execPath,
    [vite, 'build', '--outDir', options.outDir, '--emptyOutDir'],
    { cwd: join(repoRoot, 'apps/web'), env: { PATH: process.env.PATH ?? '' } },
  )
  const built = await build.exited
  if (built !== 0) throw new Error(`web build failed:\n${build.output()}`)
  const web = spawnManaged('web', process.execPath, [vite, 'preview', '--outDir', options.outDir], {
    cwd: join(repoRoot, 'apps/web'),
    env: { PATH: process.env.PATH ?? '', GATEWAY_URL: options.gatewayUrl, WEB_PORT: String(options.port) },
  })
  const url = `http://127.0.0.1:${options.port}`
  await waitUntilReady('web', async () => (await fetch(url)).ok, { timeoutMs: 60_000, process: web })
  return web
}
