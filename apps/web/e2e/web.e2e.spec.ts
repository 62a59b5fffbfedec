import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { MiB } from '@lfusys/contracts'
import { freePort, type ManagedProcess } from '@lfusys/devstack'
import {
  artifactsDir,
  type CaughtMail,
  Mailbox,
  provisionTestStack,
  type TestStack,
  waitFor,
} from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildAndPreview, CHROMIUM_ARGS, CHROMIUM_PATH } from './webServer.ts'

const shots = join(artifactsDir, 'web')

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

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

/** Every console error or warning and every uncaught exception of every page, with where it was. */
const consoleProblems: string[] = []
/** A message a test provokes on purpose (a wrong password answers 401) is tolerated while it runs. */
let tolerated: RegExp | undefined

function watchConsole(p: Page, label: string): void {
  p.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return
    const line = `[${label} ${m.type()}] ${m.text()} (${m.location().url} on ${p.url()})`
    console.log(line)
    if (!tolerated?.test(m.text())) consoleProblems.push(line)
  })
  p.on('pageerror', (err) => {
    const line = `[${label} pageerror] ${err.message} (on ${p.url()})`
    console.log(line)
    consoleProblems.push(line)
  })
}

/** Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as it is now. */
async function axeViolations(p: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page: p })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    )
}

async function expectAccessible(p: Page, where: string): Promise<void> {
  expect(await axeViolations(p, where)).toEqual([])
}

describe('web app in Chromium against the whole system', () => {
  let stack: TestStack
  let system: RunningSystem
  let web: ManagedProcess
  let webUrl: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let dir: string
  const email = `web-${randomBytes(4).toString('hex')}@example.test`
  const adminEmail = `admin-${randomBytes(4).toString('hex')}@example.test`
  const password = 'correct horse battery staple'
  const big = randomBytes(40 * MiB)
  let bigPath: string

  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, animations: 'disabled' })

  const nav = (name: 'Home' | 'Upload' | 'Files') =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click()

  const queueItem = (name: string, phase: string) =>
    page.locator(`[data-testid="queue-item"][data-phase="${phase}"]`, { hasText: name })

  beforeAll(async () => {
    await mkdir(shots, { recursive: true })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-web-'))
    bigPath = join(dir, 'big.bin')
    await writeFile(bigPath, big)

    stack = await provisionTestStack('web')
    const webPort = await freePort()
    webUrl = `http://127.0.0.1:${webPort}`
    system = await startSystem(stack, { webOrigin: webUrl, env: { gateway: { ADMIN_EMAILS: adminEmail } } })
    web = await buildAndPreview({ outDir: join(dir, 'dist'), port: webPort, gatewayUrl: system.gatewayUrl })

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } })
    // Generous: the whole suite may run beside this file on two shared cores.
    context.setDefaultTimeout(60_000)
    page = await context.newPage()
    // Browser-side errors end up in the test output and fail the console check at the end.
    watchConsole(page, 'browser')
  })

  // A failed step leaves a picture of where it stopped.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return
    const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
    await page.screenshot({ path: join(shots, `failed-${name}.png`), fullPage: true }).catch(() => undefined)
  })

  afterAll(async () => {
    await browser?.close()
    await web?.stop()
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('shows the home page in light and dark', async () => {
    await page.goto(webUrl)
    await page.getByRole('heading', { name: /Upload very large files/ }).waitFor()
    // Keyboard users meet the skip link first.
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content')
    await shot('home')
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.reload()
    expect(await page.locator('html.dark').count()).toBe(1)
    await shot('home-dark')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('has no serious or critical axe violations on any signed-out page, light and dark', async () => {
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    const p = await visitor.newPage()
    watchConsole(p, 'visitor')
    try {
      const found: string[] = []
      for (const scheme of ['light', 'dark'] as const) {
        await p.emulateMedia({ colorScheme: scheme })
        for (const [path, heading] of [
          ['/', /Upload very large files/],
          ['/login', 'Log in'],
          ['/register', 'Create an account'],
        ] as const) {
          await p.goto(`${webUrl}${path}`)
          await p.getByRole('heading', { name: heading, level: 1 }).waitFor()
          found.push(...(await axeViolations(p, `${path} signed out, ${scheme}`)))
        }
      }
      // Narrow: a phone in portrait.
      await p.setViewportSize({ width: 390, height: 844 })
      await p.emulateMedia({ colorScheme: 'light' })
      await p.goto(webUrl)
      await p.getByRole('heading', { name: /Upload very large files/ }).waitFor()
      found.push(...(await axeViolations(p, '/ signed out, 390 px')))
      await p.screenshot({ path: join(shots, 'home-mobile.png'), fullPage: true, animations: 'disabled' })
      expect(found).toEqual([])
    } finally {
      await visitor.close()
    }
  })

  it('registers, logs out and logs in again', async () => {
    await page.goto(`${webUrl}/register`)
    // No OAuth provider is configured in this system: no button leads to an error answer.
    // (apps/web/e2e/accounts.e2e.spec.ts covers the buttons of configured providers.)
    await page.getByRole('button', { name: 'Create account' }).waitFor()
    expect(await page.getByRole('link', { name: /Continue with/ }).count()).toBe(0)
    await page.getByLabel('Name').fill('Web Tester')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await shot('register')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
    expect(await page.getByTestId('user-email').textContent()).toBe(email)

    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: /Upload very large files/ }).waitFor()
    await page.goto(`${webUrl}/login`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('wrong password entirely')
    // The refused login is the one 401 this suite provokes on purpose.
    tolerated = /status of 401/
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('alert').waitFor()
    tolerated = undefined
    await page.getByLabel('Password').fill(password)
    await shot('login')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
  })

  it('uploads 40 MiB with pause and resume, and completes only once the server has verified it', async () => {
    system.gate.holdAfter(2)
    await page.getByLabel('Choose files').setInputFiles(bigPath)
    await waitFor(() => system.gate.stored().length === 2 && system.gate.heldCount >= 1, {
      timeoutMs: 60_000,
      what: 'two chunks stored, the next held',
    })
    await queueItem('big.bin', 'uploading').waitFor()
    // Honest progress: with 2 of 5 chunks stored and the others held on the wire, the bar and the
    // counter say 40 % and 2/5, whatever bytes the browser has already sent.
    const row = queueItem('big.bin', 'uploading')
    await row.getByText('2/5 chunks stored').waitFor()
    const progress = page.getByRole('progressbar', { name: 'big.bin upload progress' })
    expect(await progress.getAttribute('aria-valuenow')).toBe('40')
    expect(await row.getByTestId('queue-percent').textContent()).toBe('40% stored')
    expect(await row.getByTestId('queue-eta').textContent()).not.toMatch(/^ETA 0 s$/)
    await shot('upload-progress')
    await expectAccessible(page, '/upload signed in, uploading')

    await page.getByRole('button', { name: 'Pause big.bin' }).click()
    await queueItem('big.bin', 'paused').waitFor()
    expect(await page.getByTestId('queue-status').textContent()).toBe('Paused')
    // Pausing aborts the chunk requests in flight: the held ones are closed by the browser.
    await waitFor(() => system.gate.heldCount === 0, { timeoutMs: 30_000, what: 'held PUTs aborted' })
    system.gate.open()
    expect(system.gate.stored()).toHaveLength(2)
    // The bar shows what the server has (2 of 5 chunks), not the bytes of the aborted requests.
    const bar = page.getByRole('progressbar', { name: 'big.bin upload progress' })
    await waitFor(async () => (await bar.getAttribute('aria-valuenow')) === '40', { what: 'bar at 40%' })
    await shot('upload-paused')

    await page.getByRole('button', { name: 'Resume big.bin' }).click()
    await queueItem('big.bin', 'complete').waitFor({ timeout: 120_000 })
    await shot('upload-complete')
    const uploadId = system.gate.completed[0]?.uploadId ?? ''
    const stored = system.gate.stored(uploadId)
    expect([...stored].sort()).toEqual([0, 1, 2, 3, 4])
    // The two chunks stored before the pause were not sent again after it.
    expect(stored.slice(2)).not.toContain(stored[0])
    expect(stored.slice(2)).not.toContain(stored[1])
  })

  it('lists the file and downloads exactly the bytes uploaded', async () => {
    await nav('Files')
    const row = page.getByTestId('file-row').filter({ hasText: 'big.bin' })
    await row.waitFor()
    expect(await row.getByTestId('file-hash').getAttribute('title')).toMatch(/^[0-9a-f]{64}$/)
    expect(await row.textContent()).toContain('40 MiB')
    expect(await row.getByTestId('file-kind').getAttribute('data-kind')).toBe('other')
    // The space used, against the quota (the sessions service's default of 1 TiB).
    expect(await page.getByTestId('usage').textContent()).toContain('40 MiB of 1.0 TiB used')
    // The full content hash goes to the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: webUrl })
    await row.getByRole('button', { name: 'Copy hash of big.bin' }).click()
    await page.getByText('Copied the content hash of big.bin.').waitFor()
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(contentHash(big))
    await shot('files')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download big.bin' }).click(),
    ])
    // The name comes from the presigned URL's response-content-disposition, which fauxqs ignores
    // (AWS honours it), so only the bytes are compared here.
    const path = await download.path()
    expect(sha256(await readFile(path))).toBe(sha256(big))
  })

  it('says "already uploaded" at once for the same content', async () => {
    await nav('Upload')
    const before = system.gate.completed.length
    await page.getByLabel('Choose files').setInputFiles(bigPath)
    await queueItem('big.bin', 'duplicate').waitFor()
    expect(await queueItem('big.bin', 'duplicate').textContent()).toContain('Already uploaded')
    expect(system.gate.completed.length).toBe(before)
    await shot('upload-duplicate')
  })

  it('resumes after a reload: checks the re-selected file, then sends only the missing chunks', async () => {
    const second = randomBytes(20 * MiB + 123)
    const secondPath = join(dir, 'second.bin')
    await writeFile(secondPath, second)
    const impostorPath = join(dir, 'impostor.bin')
    await writeFile(impostorPath, randomBytes(second.length))

    system.gate.holdAfter(1)
    const before = system.gate.completed.length
    await page.getByLabel('Choose files').setInputFiles(secondPath)
    await waitFor(() => system.gate.completed.length === before + 1 && system.gate.heldCount >= 1, {
      timeoutMs: 60_000,
      what: 'one chunk of second.bin stored, the next held',
    })
    const uploadId = system.gate.completed.at(-1)?.uploadId ?? ''
    const storedBefore = system.gate.stored(uploadId)
    expect(storedBefore).toHaveLength(1)
    // The server counts a chunk once its S3 event has been consumed: wait for that, so the resume
    // below is measured against what the server really has.
    await waitFor(
      async () => {
        const upload: unknown = await page.evaluate(
          `fetch('/api/v1/uploads/${uploadId}').then((r) => r.json())`,
        )
        const received =
          typeof upload === 'object' && upload !== null && 'receivedChunks' in upload
            ? upload.receivedChunks
            : []
        return Array.isArray(received) && received.join() === String(storedBefore[0])
      },
      { timeoutMs: 30_000, what: 'the server to count the stored chunk' },
    )

    await page.reload()
    await shot('upload-after-reload')
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
    const offer = page.getByTestId('resume-item').filter({ hasText: 'second.bin' })
    await offer.waitFor()
    expect(await offer.textContent()).toContain('1/3 chunks on the server')
    await shot('upload-resume-offer')

    // The files page shows it among the uploads in progress.
    await nav('Files')
    const live = page.locator('[data-testid="unfinished-upload"]', { hasText: 'second.bin' })
    await live.waitFor()
    expect(await live.getAttribute('data-status')).toBe('uploading')
    await shot('files-unfinished')
    await nav('Upload')

    system.gate.open()
    await page.getByLabel('Choose second.bin to resume its upload').setInputFiles(impostorPath)
    await offer.getByRole('alert').waitFor()
    expect(await offer.getByRole('alert').textContent()).toContain('is not the file this upload started with')

    await page.getByLabel('Choose second.bin to resume its upload').setInputFiles(secondPath)
    await queueItem('second.bin', 'complete').waitFor({ timeout: 120_000 })
    expect(await queueItem('second.bin', 'complete').textContent()).toContain('resumed')
    const all = system.gate.stored(uploadId)
    expect([...all].sort()).toEqual([0, 1, 2])
    expect(all.filter((i) => i === storedBefore[0])).toHaveLength(1)
    await shot('upload-resumed-complete')
  })

  it('sorts and filters the files list, with every action reachable by keyboard', async () => {
    await nav('Files')
    const names = async () =>
      (await page.getByTestId('file-row').locator('td:first-child span.font-medium').allTextContents()).map(
        (t) => t.trim(),
      )
    await waitFor(async () => (await names()).length === 2, { what: 'two files listed' })
    // Newest first by default.
    expect(await names()).toEqual(['second.bin', 'big.bin'])
    await page.getByRole('button', { name: /^Name/ }).click()
    expect(await names()).toEqual(['big.bin', 'second.bin'])
    expect(await page.getByRole('columnheader', { name: /^Name/ }).getAttribute('aria-sort')).toBe(
      'ascending',
    )
    await page.getByRole('button', { name: /^Size/ }).click()
    expect(await names()).toEqual(['big.bin', 'second.bin'])
    await page.getByRole('button', { name: /^Size/ }).click()
    expect(await names()).toEqual(['second.bin', 'big.bin'])

    await page.getByLabel('Filter by name').fill('BIG')
    expect(await names()).toEqual(['big.bin'])
    await page.getByLabel('Filter by name').fill('nothing-like-this')
    await page.getByText('No file name contains “nothing-like-this”.').waitFor()
    await page.getByLabel('Filter by name').fill('')

    // Keyboard only: Tab reaches the row's actions, Enter on "Copy hash" copies.
    const download = page.getByRole('link', { name: 'Download big.bin' })
    await download.focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe(
      'Copy hash of big.bin',
    )
    await page.keyboard.press('Enter')
    await page.getByText('Copied the content hash of big.bin.').waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Delete big.bin')
    await shot('files-sorted')
  })

  it('deletes a file after confirmation', async () => {
    await nav('Files')
    await page.getByTestId('file-row').filter({ hasText: 'big.bin' }).waitFor()
    const dialog = page.getByRole('dialog', { name: 'Delete file?' })
    // Escape cancels, and focus starts on the harmless choice.
    await page.getByRole('button', { name: 'Delete big.bin' }).click()
    await dialog.waitFor()
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await page.getByTestId('file-row').filter({ hasText: 'big.bin' }).count()).toBe(1)
    await page.getByRole('button', { name: 'Delete big.bin' }).click()
    await dialog.waitFor()
    await shot('files-delete-confirm')
    await expectAccessible(page, '/files signed in, delete dialog')
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Deleted big.bin.').waitFor()
    await page.getByTestId('file-row').filter({ hasText: 'big.bin' }).waitFor({ state: 'detached' })
    expect(await page.getByTestId('file-row').count()).toBe(1)
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot('files-dark')
    await page.setViewportSize({ width: 390, height: 844 })
    await shot('files-mobile-dark')
    await nav('Upload')
    await shot('upload-mobile-dark')
  })

  it("lets an admin see every user's files and delete any of them", async () => {
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    const admin = await adminContext.newPage()
    try {
      watchConsole(admin, 'admin')
      await admin.goto(`${webUrl}/register?next=/files`)
      await admin.getByLabel('Email').fill(adminEmail)
      await admin.getByLabel('Password').fill(password)
      await admin.getByRole('button', { name: 'Create account' }).click()
      await admin.getByRole('heading', { name: 'Files', exact: true }).waitFor()
      // A listed address is admin only once confirmed: follow the emailed link (real SMTP).
      expect(await admin.getByTestId('user-email').textContent()).toBe(adminEmail)
      const [mail] = await new Mailbox().waitForMessages(adminEmail, { subject: /Confirm/ })
      await admin.goto(Mailbox.link(mail as CaughtMail, `${webUrl}/verify-email?token=`).toString())
      await admin.getByText('is confirmed').waitFor()
      await admin.getByText(`${adminEmail} (admin)`).waitFor()
      await admin.goto(`${webUrl}/files`)
      await admin.getByRole('heading', { name: 'Files', exact: true }).waitFor()
      expect(await admin.getByTestId('user-email').textContent()).toBe(`${adminEmail} (admin)`)
      expect(await admin.getByTestId('file-row').count()).toBe(0)

      await admin.getByLabel("Show all users' files (admin)").check()
      const row = admin.getByTestId('file-row').filter({ hasText: 'second.bin' })
      await row.waitFor()
      await admin.screenshot({ path: join(shots, 'files-admin.png'), fullPage: true, animations: 'disabled' })
      await admin.getByRole('button', { name: 'Delete second.bin' }).click()
      await admin
        .getByRole('dialog', { name: 'Delete file?' })
        .getByRole('button', { name: 'Delete' })
        .click()
      await admin.getByText('Deleted second.bin.').waitFor()
      await row.waitFor({ state: 'detached' })
    } finally {
      await adminContext.close()
    }
    // The owner's list no longer has it either.
    await page.setViewportSize({ width: 1280, height: 860 })
    await nav('Files')
    await page.getByText('No files yet.').waitFor()
  })

  it('uploads several files at once, two at a time', async () => {
    const sizes: Array<[string, number]> = [
      ['a-empty.txt', 0],
      ['b-small.bin', 1 * MiB + 7],
      ['c-two-chunks.bin', 9 * MiB],
    ]
    const paths = []
    for (const [name, size] of sizes) {
      const path = join(dir, name)
      await writeFile(path, randomBytes(size))
      paths.push(path)
    }
    await nav('Upload')
    await page.getByRole('button', { name: 'Clear finished' }).click()
    await page.getByLabel('Choose files').setInputFiles(paths)
    for (const [name] of sizes) await queueItem(name, 'complete').waitFor({ timeout: 120_000 })
    await shot('upload-several')
    await nav('Files')
    for (const [name] of sizes) await page.getByTestId('file-row').filter({ hasText: name }).waitFor()
    expect(await page.getByTestId('file-row').count()).toBe(3)
  })

  it('shows the live status of an upload running in another tab, over SSE', async () => {
    const livePath = join(dir, 'live.bin')
    await writeFile(livePath, randomBytes(9 * MiB))
    system.gate.holdAfter(0)
    await nav('Upload')
    await page.getByLabel('Choose files').setInputFiles(livePath)
    await waitFor(() => system.gate.heldCount >= 2, {
      timeoutMs: 60_000,
      what: 'both chunks of live.bin held',
    })

    const other = await context.newPage()
    watchConsole(other, 'second tab')
    try {
      await other.goto(`${webUrl}/files`)
      const item = other.locator('[data-testid="unfinished-upload"]', { hasText: 'live.bin' })
      await item.waitFor()
      expect(['created', 'uploading']).toContain(await item.getAttribute('data-status'))
      await other.screenshot({
        path: join(shots, 'files-live-before.png'),
        fullPage: true,
        animations: 'disabled',
      })

      system.gate.open()
      // The stream reports completion and the list reloads with the new file, without a reload.
      await other
        .locator('[data-testid="unfinished-upload"][data-status="complete"]', { hasText: 'live.bin' })
        .waitFor()
      await other.getByTestId('file-row').filter({ hasText: 'live.bin' }).waitFor()
      await other.screenshot({
        path: join(shots, 'files-live-after.png'),
        fullPage: true,
        animations: 'disabled',
      })
    } finally {
      await other.close()
    }
    await queueItem('live.bin', 'complete').waitFor()
  })

  it('has no serious or critical axe violations on any signed-in page, light and dark, wide and narrow', async () => {
    const found: string[] = []
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width > 500 ? 860 : 844 })
        for (const [name, heading] of [
          ['Home', /Upload very large files/],
          ['Upload', 'Upload files'],
          ['Files', 'Files'],
        ] as const) {
          await page.goto(`${webUrl}${{ Home: '/', Upload: '/upload', Files: '/files' }[name]}`)
          await page.getByRole('heading', { name: heading, level: 1, exact: true }).waitFor()
          if (name === 'Files') await page.getByTestId('file-row').first().waitFor()
          found.push(...(await axeViolations(page, `${name} signed in, ${scheme}, ${width} px`)))
        }
      }
    }
    await shot('files-mobile-dark-final')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1280, height: 860 })
    expect(found).toEqual([])
  })

  it('logged no console error or warning in all of the above (signed out included)', () => {
    expect(consoleProblems).toEqual([])
  })
})
