import type { MailMessage } from './Mailer.ts'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function message(to: string, subject: string, intro: string, action: string, url: string, outro: string) {
  const text = `${intro}\n\n${action}:\n${url}\n\n${outro}\n`
  const html =
    `<p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(action)}</a></p>` +
    `<p>${escapeHtml(outro)}</p>`
  return { to, subject, text, html } satisfies MailMessage
}

export function verificationEmail(to: string, url: string, ttlHours: number): MailMessage {
  return message(
    to,
    'Confirm your email address for lfusys',
    'Someone (hopefully you) created an lfusys account with this email address.',
    'Confirm this address',
    url,
    `The link works once, for ${ttlHours} hours. If you did not sign up, ignore this email.`,
  )
}

export function passwordResetEmail(to: string, url: string, ttlMinutes: number): MailMessage {
  return message(
    to,
    'Reset your lfusys password',
    'A password reset was requested for the lfusys account with this email address.',
    'Choose a new password',
    url,
    `The link works once, for ${ttlMinutes} minutes, and signs out every session of the account. ` +
      'If you did not ask for it, ignore this email: your password stays as it is.',
  )
}
