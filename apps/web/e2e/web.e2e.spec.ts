import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MiB } from '@lfusys/contracts'
import { freePort, type ManagedProcess, spawnManaged, waitUntilReady } from '@lfusys/devstack'
import {
  artifactsDir,
  type CaughtMail,
  Mailbox,
  provisionTestStack,
  repoRoot,
  type TestStack,
  waitFor,
} from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Flags from shared/local-stack.md: no sandbox (root), no GPU, and no lookups of anything but
// loopback, so the browser never reaches out to update or safe-browsing servers.
const CHROMIUM_ARGS = [
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

const shots = join(artifactsDir, 'web')

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
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
    // The production build behind `vite preview` (same /api proxy as the dev server): what users
    // get, and no dev-server dependency discovery reloading the page in the middle of a test.
    const vite = join(repoRoot, 'apps/web/node_modules/vite/bin/vite.js')
    const outDir = join(dir, 'dist')
    const build = spawnManaged(
      'web-build',
      process.execPath,
      [vite, 'build', '--outDir', outDir, '--emptyOutDir'],
      {
        cwd: join(repoRoot, 'apps/web'),
        env: { PATH: process.env.PATH ?? '' },
      },
    )
    const built = await build.exited
    if (built !== 0) throw new Error(`web build failed:\n${build.output()}`)
    web = spawnManaged('web', process.execPath, [vite, 'preview', '--outDir', outDir], {
      cwd: join(repoRoot, 'apps/web'),
      env: { PATH: process.env.PATH ?? '', GATEWAY_URL: system.gatewayUrl, WEB_PORT: String(webPort) },
    })
    await waitUntilReady('web', async () => (await fetch(webUrl)).ok, { timeoutMs: 60_000, process: web })

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } })
    // Generous: the whole suite may run beside this file on two shared cores.
    context.setDefaultTimeout(60_000)
    page = await context.newPage()
    // Browser-side errors end up in the test output, where a failure can be understood.
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[browser ${m.type()}] ${m.text()}`)
    })
    page.on('pageerror', (err) => console.log(`[browser pageerror] ${err.message}`))
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
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('alert').waitFor()
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
    await shot('upload-progress')

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
})
