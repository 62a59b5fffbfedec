/** One place a person opens while the dev stack runs. */
export interface DevUrl {
  label: string
  url: string
}

/**
 * The one short block `make dev` prints once everything is up: every URL a person needs, aligned.
 * Optional parts (a mail inbox, a trace viewer) append their entry to the list when they run.
 */
export function formatUrlBlock(entries: readonly DevUrl[]): string {
  const width = Math.max(0, ...entries.map((e) => e.label.length))
  return entries.map((e) => `  ${e.label.padEnd(width)}  ${e.url}`).join('\n')
}
