export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/** The one way account emails leave the gateway: SMTP (nodemailer) or Amazon SES. */
export interface Mailer {
  /** Resolves once the transport accepted the message; rejects with an AppError otherwise. */
  send(message: MailMessage): Promise<void>
  close(): void
}
