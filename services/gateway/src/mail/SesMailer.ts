import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2'
import { AppError } from '@lfusys/errors'
import type { Mailer, MailMessage } from './Mailer.ts'

export interface SesMailerOptions {
  region: string
  from: string
  timeoutMs: number
  maxAttempts: number
}

/** Amazon SES v2; credentials come from the task role, like every other AWS client of the gateway. */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client
  private readonly from: string

  constructor(options: SesMailerOptions) {
    this.from = options.from
    this.client = new SESv2Client({
      region: options.region,
      maxAttempts: options.maxAttempts,
      requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
    })
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: message.text, Charset: 'UTF-8' },
                Html: { Data: message.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
      )
    } catch (err) {
      throw new AppError('UNAVAILABLE', 'the mail service is unavailable', {
        cause: err,
        retryAfterSeconds: 30,
      })
    }
  }

  close(): void {
    this.client.destroy()
  }
}
