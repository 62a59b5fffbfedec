import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { MiB } from '@lfusys/contracts'
import { freePort, type ManagedProcess } from '@lfusys/devstack'
import { artifactsDir, provisionTestStack, type TestStack, waitFor } from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatBytes } from '../src/lib/format.ts'
import { buildAndPreview, CHROMIUM_ARGS, CHROMIUM_PATH } from './webServer.ts'

/** The screenshot of the Uppy page after both uploads, at a stable path (test-artifacts is ignored). */
const UPPY_SHOT = join(artifactsDir, 'web', 'uppy.png')

/** The design's content hash: SHA-256 over the raw SHA-256 digests of the 8 MiB chunks. */
function contentHash(data: Uint8Array): string {
  const outer = createHash('sha256')
  for (let at = 0; at < data.length; at += 8 * MiB) {
    outer.update(
      createHash('sha256')
        .update(data.subarray(at, at + 8 * MiB))
        .digest(),
    )
  }
  return outer.digest('hex')
}

interface ListedFile {
  name: string
  size: number
  contentType: string
  contentHash: string
}

describe('Uppy Dashboard with @uppy/tus in Chromium against the tus endpoint', () => {
  let stack: TestStack
  let system: RunningSystem
  let web: ManagedProcess
  let webUrl: string
  let browser: Browser
  let page: Page
  let dir: string
  const problems: string[] = []
  // Not multiples of the 8 MiB chunk: the endpoint cuts the one PATCH into chunks and a tail.
  const files = [
    { name: 'uppy-one.bin', type: 'application/octet-stream', data: randomBytes(9 * MiB + 5) },
    { name: 'uppy-two.txt', type: 'text/plain', data: randomBytes(1 * MiB + 7) },
  ]

  beforeAll(async () => {
    await mkdir(join(artifactsDir, 'web'), { recursive: true })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-uppy-'))
    for (const f of files) await writeFile(join(dir, f.name), f.data)

    stack = await provisionTestStack('uppy')
    const webPort = await freePort()
    webUrl = `http://127.0.0.1:${webPort}`
    system = await startSystem(stack, { webOrigin: webUrl })
    web = await buildAndPreview({ outDir: join(dir, 'dist'), port: webPort, gatewayUrl: system.gatewayUrl })

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    // Generous: other suites may run beside this file on two shared cores.
    context.setDefaultTimeout(60_000)
    page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`[${m.type()}] ${m.text()}`)
    })
    page.on('pageerror', (err) => problems.push(`[pageerror] ${err.message}`))
  })

  afterAll(async () => {
    await browser?.close()
    await web?.stop()
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('signs up and reaches the Uppy page from the Upload page', async () => {
    await page.goto(`${webUrl}/register`)
    await page.getByLabel('Name').fill('Uppy Tester')
    await page.getByLabel('Email').fill(`uppy-${randomBytes(4).toString('hex')}@example.test`)
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Upload files', level: 1 }).waitFor()
    await page.getByRole('link', { name: 'Upload with Uppy (tus)' }).click()
    await page.getByRole('heading', { name: 'Upload with Uppy (tus)', level: 1 }).waitFor()
    await page.locator('.uppy-Dashboard').waitFor()
    const serious: string[] = []
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.locator(`.uppy-Dashboard[data-uppy-theme="${scheme}"]`).waitFor()
      // The theme's colours change by CSS transitions: audit the colours they end on, not a frame
      // in between (a half-faded text fails contrast).
      await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')")
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
        .analyze()
      for (const v of results.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue
        serious.push(`${scheme}: ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      }
    }
    expect(serious).toEqual([])
  })

  it('uploads two files from the Dashboard, and both are in Files, complete and the right size', async () => {
    await page
      .locator('input.uppy-Dashboard-input[type="file"]')
      .first()
      .setInputFiles(files.map((f) => join(dir, f.name)))
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const done = page.locator('[data-testid="uppy-finished"][data-outcome="success"]')
    await waitFor(async () => (await done.count()) === 2, {
      timeoutMs: 120_000,
      what: 'both tus uploads done',
    })
    expect(await page.locator('[data-testid="uppy-finished"][data-outcome="error"]').count()).toBe(0)
    await page.getByText('Complete', { exact: true }).first().waitFor()
    await page.screenshot({ path: UPPY_SHOT, fullPage: true, animations: 'disabled' })
    console.log(`Uppy page after the upload: ${UPPY_SHOT}`)

    // The server has both as files: complete (listed), exact size, name and type from Upload-Metadata,
    // and the content hash of exactly the bytes sent.
    const listed = async () =>
      (
        (await page.evaluate(`fetch('/api/v1/files?limit=50').then((r) => r.json())`)) as {
          files: ListedFile[]
        }
      ).files
    await waitFor(async () => (await listed()).length === 2, { timeoutMs: 60_000, what: 'two files listed' })
    const byName = new Map((await listed()).map((f) => [f.name, f]))
    for (const f of files) {
      expect(byName.get(f.name)).toMatchObject({
        size: f.data.length,
        contentType: f.type,
        contentHash: contentHash(f.data),
      })
    }

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Files', exact: true })
      .click()
    for (const f of files) {
      const row = page.getByTestId('file-row').filter({ hasText: f.name })
      await row.waitFor()
      expect(await row.textContent()).toContain(formatBytes(f.data.length))
    }
    expect(await page.getByTestId('file-row').count()).toBe(2)
    // Nothing is left among the uploads in progress.
    expect(
      await page.locator('[data-testid="unfinished-upload"]:not([data-status="complete"])').count(),
    ).toBe(0)
  })

  it('logged no console error or warning', () => {
    expect(problems).toEqual([])
  })
})
