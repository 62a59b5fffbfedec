import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type ManagedProcess } from '@lfusys/devstack'
import { artifactsDir, type CaughtMail, Mailbox, provisionTestStack, type TestStack } from '@lfusys/testing'
import { type RunningSystem, startSystem } from '@lfusys/upload-client/testing'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAndPreview, CHROMIUM_ARGS, CHROMIUM_PATH } from './webServer.ts'

const shots = join(artifactsDir, 'web-accounts')

describe('account pages in Chromium against the whole system', () => {
  let stack: TestStack
  let system: RunningSystem
  let web: ManagedProcess
  let webUrl: string
  let browser: Browser
  let page: Page
  let dir: string
  const mailbox = new Mailbox()
  const email = `acct-${randomBytes(4).toString('hex')}@example.test`
  const password = 'correct horse battery staple'
  const newPassword = 'a brand new passphrase'

  const shot = (name: string, p: Page = page) =>
    p.screenshot({ path: join(shots, `${name}.png`), fullPage: true, animations: 'disabled' })

  beforeAll(async () => {
    await mkdir(shots, { recursive: true })
    dir = await mkdtemp(join(tmpdir(), 'lfusys-web-accounts-'))
    stack = await provisionTestStack('web-accounts')
    const webPort = await freePort()
    webUrl = `http://127.0.0.1:${webPort}`
    system = await startSystem(stack, {
      webOrigin: webUrl,
      env: {
        gateway: {
          ADMIN_EMAILS: email,
          // Only GitHub is configured (its endpoints are never reached here): the page must offer
          // GitHub and nothing else.
          GITHUB_CLIENT_ID: 'gh-client',
          GITHUB_CLIENT_SECRET: 'gh-secret',
          GITHUB_AUTHORIZE_URL: 'http://127.0.0.1:9/authorize',
        },
      },
    })
    // The production build behind `vite preview` (same /api proxy as the dev server).
    web = await buildAndPreview({ outDir: join(dir, 'dist'), port: webPort, gatewayUrl: system.gatewayUrl })
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    context.setDefaultTimeout(60_000)
    page = await context.newPage()
    page.on('pageerror', (err) => console.log(`[browser pageerror] ${err.message}`))
  })

  afterAll(async () => {
    await browser?.close()
    await web?.stop()
    await system?.stop()
    stack?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('offers only the providers the server reports', async () => {
    await page.goto(`${webUrl}/login`)
    const github = page.getByRole('link', { name: 'Continue with GitHub' })
    await github.waitFor()
    expect(await github.getAttribute('href')).toBe('/api/v1/auth/github/start')
    expect(await page.getByRole('link', { name: 'Continue with Google' }).count()).toBe(0)
    await shot('login-github-only')
  })

  it('explains a refused provider sign-in instead of showing a code', async () => {
    await page.goto(`${webUrl}/login?error=account_unverified`)
    await page.getByRole('alert').getByText('its address was never confirmed').waitFor()
    await shot('login-account-unverified')
  })

  it('registers, shows the banner, confirms the address by the emailed link, and becomes admin only then', async () => {
    await page.goto(`${webUrl}/register`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
    const banner = page.getByTestId('verify-banner')
    await banner.waitFor()
    // Listed in ADMIN_EMAILS, but not confirmed: no admin.
    expect(await page.getByTestId('user-email').textContent()).toBe(email)
    await shot('verify-banner')

    await banner.getByRole('button', { name: 'Send a new link' }).click()
    await banner.getByRole('status').getByText('A new link is on its way').waitFor()
    const messages = await mailbox.waitForMessages(email, { subject: /Confirm/, count: 2 })
    const link = Mailbox.link(messages[1] as CaughtMail, `${webUrl}/verify-email?token=`)
    await page.goto(link.toString())
    await page.getByRole('status').getByText('is confirmed').waitFor()
    await page.getByText(`${email} (admin)`).waitFor()
    expect(await page.getByTestId('verify-banner').count()).toBe(0)
    await shot('verify-email-done')

    // The same link again: used.
    await page.goto(link.toString())
    await page.getByRole('alert').getByText('not valid').waitFor()
    await shot('verify-email-used')
  })

  it('only follows next= to paths of this origin', async () => {
    const hostile = [
      '/\\evil.example',
      '/%5Cevil.example',
      '//evil.example',
      '%2F%2Fevil.example',
      'https://evil.example/',
      '/%09/evil.example',
      '/\\/evil.example',
    ]
    for (const next of hostile) {
      // Signed in already: the login page forwards at once.
      await page.goto(`${webUrl}/login?next=${next}`)
      await page.getByRole('heading', { name: /Upload very large files/ }).waitFor()
      expect(new URL(page.url()).origin, next).toBe(webUrl)
      expect(new URL(page.url()).pathname, next).toBe('/')
    }
    await page.goto(`${webUrl}/login?next=${encodeURIComponent('/files?x=1')}`)
    await page.getByRole('heading', { name: 'Files', exact: true }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/files')
  })

  it('resets a forgotten password by the emailed link, once', async () => {
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.goto(`${webUrl}/login`)
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor()
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    await page.getByRole('status').getByText('a reset link is on its way').waitFor()
    await shot('forgot-password')

    const [mail] = await mailbox.waitForMessages(email, { subject: /Reset/ })
    const link = Mailbox.link(mail as CaughtMail, `${webUrl}/reset-password?token=`)
    await page.goto(link.toString())
    await page.getByLabel('New password', { exact: true }).fill(newPassword)
    await page.getByLabel('New password again').fill(newPassword)
    await shot('reset-password')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('status').getByText('Your password was changed').waitFor()
    await shot('reset-password-done')

    await page.goto(link.toString())
    await page.getByLabel('New password', { exact: true }).fill('another passphrase here')
    await page.getByLabel('New password again').fill('another passphrase here')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('alert').getByText('not valid').waitFor()

    await page.goto(`${webUrl}/login`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(newPassword)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Upload files' }).waitFor()
  })
})
