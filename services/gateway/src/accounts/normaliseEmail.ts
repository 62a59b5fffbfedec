/** Emails compare trimmed and lowercased everywhere: registration, login, OAuth linking, admin list. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}
