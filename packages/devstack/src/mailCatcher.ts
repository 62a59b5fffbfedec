import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MailDev } from 'maildev'
import { freePort } from './processes.ts'

export interface MailCatcherOptions {
  /** SMTP port; 0 picks a free one. */
  smtpPort: number
  /** Port of the web inbox and its HTTP API; 0 picks a free one. */
  webPort: number
}

export interface RunningMailCatcher {
  /** What a service's SMTP_URL points at. */
  smtpUrl: string
  /** The web inbox; its HTTP API lives under `/api` (`GET /api/email` lists every message). */
  webUrl: string
  stop(): Promise<void>
}

/**
 * MailDev in-process: an SMTP server that keeps every message and a web inbox with an HTTP API,
 * both on loopback. Nothing is relayed anywhere.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<RunningMailCatcher> {
  const smtpPort = options.smtpPort === 0 ? await freePort() : options.smtpPort
  const webPort = options.webPort === 0 ? await freePort() : options.webPort
  // MailDev keeps each message's source as a file; without a folder of its own every catcher on
  // the machine would share /tmp/maildev.
  const mailDirectory = mkdtempSync(join(tmpdir(), 'lfusys-mail-'))
  const maildev = new MailDev({
    mailDirectory,
    maxEmails: 5000,
    smtp: smtpPort,
    ip: '127.0.0.1',
    web: webPort,
    webIp: '127.0.0.1',
    silent: true,
    mcp: false,
  })
  await maildev.start()
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    webUrl: `http://127.0.0.1:${webPort}`,
    async stop() {
      await maildev.stop()
      rmSync(mailDirectory, { recursive: true, force: true })
    },
  }
}
