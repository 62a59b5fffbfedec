/**
 * Secret values that appear in this repository (`.env.example`, the compose files, docs): anyone can
 * read them, so a production process must never run with one. A test keeps this list in step with
 * those files.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  'change-me-to-a-random-secret-of-32-chars-or-more',
  'change-me-to-another-random-secret-of-32-chars',
  'change-me-to-a-third-random-secret-of-32-chars',
  'compose-development-upload-token-secret-0001',
  'compose-development-auth-token-secret-00001',
  'lfusyslocal',
]

/** 32 bytes: the HS256 key size, and what `openssl rand -base64 32` gives. */
export const MIN_KEY_ENTROPY_BITS = 256

/** How a secret variable is checked in production. */
export type SecretKind =
  /** `kid:secret[,kid:secret]` HMAC keys: each must be unpublished and carry 32 bytes of entropy. */
  | 'keyRing'
  /** A credential issued elsewhere (OAuth client secret, password in a URL): must be unpublished. */
  | 'credential'

/**
 * Upper bound of the entropy of a key string, from the alphabet it is written in: hex counts 4 bits
 * a character, base64/base64url 6, anything else log2 of the character classes it uses. A string
 * with few distinct characters or a skewed distribution (`aaaa...`, `abab...`, `0000...`) counts as
 * its Shannon estimate instead, so repetition cannot pass for length. Generated keys
 * (`openssl rand -base64 32`, `openssl rand -hex 32`) reach 256 bits; words and patterns do not.
 */
export function estimateEntropyBits(secret: string): number {
  const n = secret.length
  if (n === 0) return 0
  const counts = new Map<string, number>()
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let shannon = 0
  for (const c of counts.values()) {
    const p = c / n
    shannon -= p * Math.log2(p)
  }
  let perChar: number
  if (/^[0-9a-f]+$/.test(secret) || /^[0-9A-F]+$/.test(secret)) perChar = 4
  else if (/^[A-Za-z0-9+/_-]+=*$/.test(secret)) perChar = 6
  else {
    let alphabet = 0
    if (/[a-z]/.test(secret)) alphabet += 26
    if (/[A-Z]/.test(secret)) alphabet += 26
    if (/[0-9]/.test(secret)) alphabet += 10
    if (/[^A-Za-z0-9]/.test(secret)) alphabet += 33
    perChar = Math.log2(alphabet)
  }
  // A random string of this length in this alphabet has a Shannon estimate close to perChar (or to
  // log2(n) when shorter than the alphabet); far below that, the string is patterned.
  const expected = Math.min(perChar, Math.log2(n))
  const bits = shannon < expected * 0.75 ? shannon * n : perChar * n
  return Math.floor(bits)
}

function isPublished(value: string): boolean {
  return PUBLISHED_SECRETS.some((published) => value.includes(published))
}

/**
 * Problems that make a production configuration unsafe, one line per problem, naming the variable
 * (never the value). Development and test configurations are not checked.
 */
export function productionSecretProblems(
  env: Record<string, unknown>,
  secrets: Readonly<Record<string, SecretKind>>,
): string[] {
  const problems: string[] = []
  for (const [name, kind] of Object.entries(secrets)) {
    const value = env[name]
    if (typeof value !== 'string' || value === '') continue
    if (kind === 'credential') {
      if (isPublished(value)) problems.push(`${name}: uses a value published in the repository`)
      continue
    }
    // Split like parseKeyRing, without its length rule: a short published value is reported as such.
    const keys = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.includes(':'))
      .map((entry) => ({
        kid: entry.slice(0, entry.indexOf(':')),
        secret: entry.slice(entry.indexOf(':') + 1),
      }))
    for (const { kid, secret } of keys) {
      const key = { kid }
      if (isPublished(secret)) {
        problems.push(`${name}: key "${key.kid}" uses a value published in the repository`)
      } else if (estimateEntropyBits(secret) < MIN_KEY_ENTROPY_BITS) {
        problems.push(
          `${name}: key "${key.kid}" has less than 32 bytes of entropy (generate one with \`openssl rand -base64 32\`)`,
        )
      }
    }
  }
  return problems
}
