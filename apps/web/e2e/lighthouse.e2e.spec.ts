import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type ManagedProcess } from '@lfusys/devstack'
import { artifactsDir, provisionTestStack, type TestStack } from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAndPreview, CHROMIUM_ARGS, CHROMIUM_PATH } from './webServer.ts'

// Lighthouse (its default mobile profile, simulated throttling) against the production build.
// Accessibility and best practices are properties of the pages and are asserted; performance
// depends on how busy the machine is, so it is reported (test-artifacts/web/lighthouse.json).
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const

interface PageScores {
  page: string
  signedIn: boolean
  performance: number
  accessibility: number
  bestPractices: number
  /** Where Lighthouse ended up: a signed-in page that bounced to /login would say so here. */
  finalPath: string
  metrics: Record<string, number | undefined>
  /** The machine's 1-minute load average when the page was measured (performance depends on it). */
  loadAverage: number
  failing: string[]
}

describe('Lighthouse on the built web app', () => {
  let stack: TestStack
  let system: RunningSystem
  let web: ManagedProcess
  let webUrl: string
  let chrome: chromeLauncher.LaunchedChrome
  let dir: string
  const scores: PageScores[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfusys-lighthouse-'))
    stack = await provisionTestStack('lighthouse')
    const webPort = await freePort()
    webUrl = `http://127.0.0.1:${webPort}`
    system = await startSystem(stack, { webOrigin: webUrl })
    web = await buildAndPreview({ outDir: join(dir, 'dist'), port: webPort, gatewayUrl: system.gatewayUrl })
    chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM_PATH,
      chromeFlags: CHROMIUM_ARGS,
      logLevel: 'silent',
    })
  })

  afterAll(async () => {
    chrome?.kill()
    await web?.stop()
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
    if (scores.length > 0) {
      await mkdir(join(artifactsDir, 'web'), { recursive: true })
      await writeFile(join(artifactsDir, 'web', 'lighthouse.json'), `${JSON.stringify(scores, null, 2)}\n`)
    }
  })

  async function audit(path: string, signedIn: boolean): Promise<PageScores> {
    // The session cookies set in this browser by the sign-in below must survive: no storage reset.
    const result = await lighthouse(`${webUrl}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      disableStorageReset: true,
    })
    const lhr = result?.lhr
    if (!lhr) throw new Error(`Lighthouse returned no result for ${path}`)
    if (lhr.runtimeError) throw new Error(`Lighthouse failed on ${path}: ${lhr.runtimeError.message}`)
    const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100)
    const failing = ['accessibility', 'best-practices'].flatMap((id) =>
      (lhr.categories[id]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
        .map((ref) => `${id}: ${ref.id} — ${lhr.audits[ref.id]?.title ?? ''}`),
    )
    const metric = (id: string) => {
      const v = lhr.audits[id]?.numericValue
      return v === undefined ? undefined : Math.round(v * 1000) / 1000
    }
    const out: PageScores = {
      page: path,
      signedIn,
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      finalPath: new URL(lhr.finalDisplayedUrl).pathname,
      metrics: {
        firstContentfulPaintMs: metric('first-contentful-paint'),
        largestContentfulPaintMs: metric('largest-contentful-paint'),
        totalBlockingTimeMs: metric('total-blocking-time'),
        cumulativeLayoutShift: metric('cumulative-layout-shift'),
        speedIndexMs: metric('speed-index'),
      },
      loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      failing,
    }
    console.log(`[lighthouse] ${JSON.stringify(out)}`)
    scores.push(out)
    return out
  }

  /** Signs in through the login form in the same browser, so Lighthouse sees the pages as a user does. */
  async function signIn(): Promise<void> {
    const email = `lh-${randomBytes(4).toString('hex')}@example.test`
    const password = 'correct horse battery staple'
    const res = await fetch(`${system.gatewayUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    expect(res.status).toBe(201)
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`)
    try {
      const context = browser.contexts()[0]
      if (!context) throw new Error('no default browser context')
      const page = await context.newPage()
      await page.goto(`${webUrl}/login`)
      await page.getByLabel('Email').fill(email)
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.getByRole('heading', { name: 'Upload files' }).waitFor({ timeout: 60_000 })
      // One file, so the files page is measured with a row in it.
      const file = join(dir, 'report.pdf')
      await writeFile(file, randomBytes(256 * 1024))
      await page.getByLabel('Choose files').setInputFiles(file)
      await page
        .locator('[data-testid="queue-item"][data-phase="complete"]', { hasText: 'report.pdf' })
        .waitFor({ timeout: 120_000 })
      await page.close()
    } finally {
      // Connected over CDP, close() only disconnects; chrome-launcher owns the process.
      await browser.close()
    }
  }

  it('scores at least 95 for accessibility and best practices on home, upload and files', async () => {
    const results = [await audit('/', false)]
    await signIn()
    results.push(await audit('/upload', true), await audit('/files', true))
    for (const r of results) {
      expect(r.finalPath).toBe(r.page)
      expect(
        r.accessibility,
        `${r.page} accessibility; failing audits: ${r.failing.join('; ')}`,
      ).toBeGreaterThanOrEqual(95)
      expect(
        r.bestPractices,
        `${r.page} best practices; failing audits: ${r.failing.join('; ')}`,
      ).toBeGreaterThanOrEqual(95)
    }
  })
})
