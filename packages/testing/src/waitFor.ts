export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Included in the timeout error to say what was awaited. */
  what?: string
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after the deadline
 * with the last value or error seen. Tests wait on conditions, never on fixed sleeps.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const intervalMs = options.intervalMs ?? 50
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'} (last: ${detail})`,
      )
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
