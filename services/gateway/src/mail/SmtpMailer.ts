import { AppError } from '@lfusys/errors'
import nodemailer, { type Transporter } from 'nodemailer'
import type { Mailer, MailMessage } from './Mailer.ts'

export interface SmtpMailerOptions {
  url: string
  from: string
  timeoutMs: number
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter
  private readonly from: string

  constructor(options: SmtpMailerOptions) {
    this.from = options.from
    // Every phase is bounded, so a stalled SMTP server costs a request a deadline, never a hang.
    this.transport = nodemailer.createTransport({
      url: options.url,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    } as Parameters<typeof nodemailer.createTransport>[0])
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.from, ...message })
    } catch (err) {
      throw new AppError('UNAVAILABLE', 'the mail server is unavailable', {
        cause: err,
        retryAfterSeconds: 30,
      })
    }
  }

  close(): void {
    this.transport.close()
  }
}
