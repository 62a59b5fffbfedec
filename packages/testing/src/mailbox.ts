import { sharedStack } from './sharedStack.ts'
import { waitFor } from './waitFor.ts'

export interface CaughtMail {
  id: string
  subject: string
  text: string
  html: string
  to: { address: string }[]
  from: { address: string }[]
}

/**
 * Reads the run's mail catcher over its HTTP API: what the services sent went through real SMTP.
 * Test files share the catcher, so every lookup is by recipient (tests use unique addresses).
 */
export class Mailbox {
  readonly webUrl: string

  constructor(webUrl = sharedStack().endpoints.mailWeb) {
    this.webUrl = webUrl.replace(/\/$/, '')
  }

  async messagesTo(address: string): Promise<CaughtMail[]> {
    const res = await fetch(`${this.webUrl}/api/email`, { signal: AbortSignal.timeout(10_000) })
    if (!res.ok) throw new Error(`mail catcher answered ${res.status}`)
    const all = (await res.json()) as CaughtMail[]
    const wanted = address.trim().toLowerCase()
    return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === wanted))
  }

  /** Waits until `count` messages to `address` (matching `subject` when given) have arrived. */
  async waitForMessages(
    address: string,
    options: { subject?: RegExp; count?: number; timeoutMs?: number } = {},
  ): Promise<CaughtMail[]> {
    const count = options.count ?? 1
    return waitFor(
      async () => {
        const found = (await this.messagesTo(address)).filter(
          (m) => !options.subject || options.subject.test(m.subject),
        )
        return found.length >= count ? found : undefined
      },
      { timeoutMs: options.timeoutMs ?? 15_000, what: `${count} email(s) to ${address}` },
    )
  }

  /** The first link in a message's text that starts with `prefix`. */
  static link(message: CaughtMail, prefix: string): URL {
    const found = message.text.split(/\s+/).find((word) => word.startsWith(prefix))
    if (!found) throw new Error(`no link starting with ${prefix} in "${message.subject}"`)
    return new URL(found)
  }
}
