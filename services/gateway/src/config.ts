import {
  awsEnv,
  type Env,
  envInt,
  envList,
  envPort,
  loadConfig,
  redisEnv,
  runtimeEnv,
  s3Env,
  telemetryEnv,
  uploadPolicyEnv,
} from '@lfusys/config'
import { z } from 'zod'

const optionalText = z.string().min(1).optional()

/** Sender of account emails outside production when MAIL_FROM is unset (the mail catcher takes anything). */
export const DEV_MAIL_FROM = 'lfusys <no-reply@lfusys.localhost>'

export const gatewayConfigSchema = z
  .object({
    ...runtimeEnv,
    ...telemetryEnv,
    ...awsEnv,
    ...redisEnv,
    ...uploadPolicyEnv,
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{0,64}$/, 'letters, digits, : _ - only')
      .default('gw:')
      .describe('Prefix of every Redis key the gateway writes (rate limits, OAuth state, files cache).'),
    GATEWAY_HOST: z.string().min(1).default('127.0.0.1').describe('Interface the gateway listens on.'),
    GATEWAY_PORT: envPort(3100).describe('Port of the public HTTP API.'),
    GATEWAY_PUBLIC_URL: z
      .url()
      .optional()
      .describe(
        'Base URL browsers reach the API at (OAuth redirect URIs derive from it); defaults to WEB_ORIGIN, ' +
          'whose /api the web server proxies to the gateway, so cookies stay first-party.',
      ),
    WEB_ORIGIN: z
      .url()
      .default('http://localhost:5173')
      .describe('Origin of the web app; OAuth callbacks redirect there.'),
    SESSIONS_GRPC_URL: z
      .string()
      .regex(/^[^\s/]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:3102')
      .describe('host:port of the sessions gRPC service.'),
    SESSIONS_GRPC_DEADLINE_MS: envInt(5000, 100, 120_000).describe(
      'Deadline of each unary call to the sessions service.',
    ),
    DYNAMODB_USERS_TABLE: z
      .string()
      .min(3)
      .describe('DynamoDB table holding users, identities, refresh families.'),
    AUTH_TOKEN_KEYS: z
      .string()
      .min(1)
      .describe(
        'Access/refresh token keys as kid:secret[,kid:secret] (secret >= 32 chars); the first signs.',
      ),
    SERVICE_TOKEN_KEYS: z
      .string()
      .min(1)
      .describe(
        'Keys of the short-lived caller tokens the gateway signs for every sessions call, kid:secret[,kid:secret] (secret >= 32 chars); the first signs. Shared by gateway and sessions only.',
      ),
    ACCESS_TOKEN_TTL_SECONDS: envInt(600, 30, 3600).describe('Lifetime of the access token cookie.'),
    REFRESH_TOKEN_TTL_SECONDS: envInt(1_209_600, 300, 7_776_000).describe(
      'Lifetime of a refresh token family since its last rotation.',
    ),
    ADMIN_EMAILS: envList().describe(
      'Comma-separated emails that get the admin role, once the address is verified (by link or by the OAuth provider).',
    ),
    TRUSTED_PROXIES: envList().describe(
      'Proxy addresses/CIDRs whose X-Forwarded-For is believed (empty: use the socket address).',
    ),
    RATE_LIMIT_AUTH_IP_MAX: envInt(30, 1, 100_000).describe(
      'Register/login attempts per client IP per window.',
    ),
    RATE_LIMIT_AUTH_ACCOUNT_MAX: envInt(10, 1, 100_000).describe(
      'Login/register attempts per email per window.',
    ),
    RATE_LIMIT_AUTH_WINDOW_SECONDS: envInt(900, 1, 86_400).describe('Window of the auth rate limits.'),
    RATE_LIMIT_UPLOAD_CREATE_MAX: envInt(120, 1, 100_000).describe('Upload creations per user per window.'),
    RATE_LIMIT_UPLOAD_CREATE_WINDOW_SECONDS: envInt(60, 1, 86_400).describe(
      'Window of the upload creation limit.',
    ),
    FILES_CACHE_TTL_SECONDS: envInt(30, 1, 3600).describe(
      'Base TTL of the per-user files list cache (jittered by up to +20%).',
    ),
    SSE_HEARTBEAT_SECONDS: envInt(15, 1, 300).describe('Interval of SSE heartbeat comments.'),
    SSE_MAX_SECONDS: envInt(900, 1, 86_400).describe(
      'Longest life of one upload event stream; clients then reconnect or poll (bounds a stalled stream).',
    ),
    MAIL_TRANSPORT: z
      .enum(['smtp', 'ses'])
      .default('smtp')
      .describe(
        'How account emails (verification, password reset) leave: smtp (SMTP_URL) or ses (Amazon SES v2).',
      ),
    MAIL_FROM: z
      .string()
      .min(3)
      .optional()
      .describe(
        'From address of account emails (with SES: a verified identity); required in production, ' +
          `${DEV_MAIL_FROM} elsewhere when unset.`,
      ),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
      .optional()
      .describe(
        'SMTP server for MAIL_TRANSPORT=smtp, smtp[s]://[user:pass@]host:port (make dev: the local mail catcher).',
      ),
    MAIL_SEND_TIMEOUT_MS: envInt(10_000, 500, 120_000).describe(
      'Deadline of one email hand-off to SMTP or SES.',
    ),
    EMAIL_VERIFY_TTL_SECONDS: envInt(86_400, 300, 604_800).describe(
      'Lifetime of an email verification link.',
    ),
    PASSWORD_RESET_TTL_SECONDS: envInt(1800, 300, 86_400).describe('Lifetime of a password reset link.'),
    RATE_LIMIT_MAIL_MAX: envInt(3, 1, 1000).describe(
      'Verification or reset emails per account (and per client IP: ten times this) per mail window.',
    ),
    RATE_LIMIT_MAIL_WINDOW_SECONDS: envInt(3600, 1, 86_400).describe('Window of the mail rate limits.'),
    S3_BUCKET: s3Env.S3_BUCKET.describe(
      'Bucket of chunk objects: the tus endpoint writes complete chunks and staging objects there.',
    ),
    S3_CHUNK_PREFIX: s3Env.S3_CHUNK_PREFIX,
    TUS_STAGING_PREFIX: z
      .string()
      .regex(/^[a-z0-9-]+\/$/, 'must be a lowercase prefix ending in /')
      .default('tus-staging/')
      .describe(
        'Key prefix of tus staging objects (a partial chunk between PATCH requests, and chunks awaiting an Upload-Checksum); never the chunk prefix.',
      ),
    TUS_MAX_SIZE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(5 * 1024 ** 4)
      .default(5 * 1024 ** 4)
      .describe('Tus-Max-Size announced by the tus endpoint (the sessions service enforces its own limit).'),
    TUS_MEMORY_BUDGET_BYTES: envInt(256 * 1024 * 1024, 1024 * 1024, 64 * 1024 ** 3).describe(
      'Chunk buffers all tus PATCH requests of one gateway process may hold; beyond it a PATCH gets 503 + Retry-After.',
    ),
    TUS_LOCK_SECONDS: envInt(30, 2, 300).describe(
      'Lock of a tus upload held by a PATCH, renewed as chunks are stored; a stalled PATCH frees the upload after it.',
    ),
    GITHUB_CLIENT_ID: optionalText.describe('GitHub OAuth app client id; unset disables GitHub login.'),
    GITHUB_CLIENT_SECRET: optionalText.describe('GitHub OAuth app client secret.'),
    GITHUB_AUTHORIZE_URL: z
      .url()
      .default('https://github.com/login/oauth/authorize')
      .describe('GitHub authorization endpoint.'),
    GITHUB_TOKEN_URL: z
      .url()
      .default('https://github.com/login/oauth/access_token')
      .describe('GitHub token endpoint.'),
    GITHUB_USER_URL: z.url().default('https://api.github.com/user').describe('GitHub user endpoint.'),
    GITHUB_EMAILS_URL: z
      .url()
      .default('https://api.github.com/user/emails')
      .describe('GitHub endpoint listing the user emails with their verified flag.'),
    GOOGLE_CLIENT_ID: optionalText.describe('Google OAuth client id; unset disables Google login.'),
    GOOGLE_CLIENT_SECRET: optionalText.describe('Google OAuth client secret.'),
    GOOGLE_AUTHORIZE_URL: z
      .url()
      .default('https://accounts.google.com/o/oauth2/v2/auth')
      .describe('Google authorization endpoint.'),
    GOOGLE_TOKEN_URL: z
      .url()
      .default('https://oauth2.googleapis.com/token')
      .describe('Google token endpoint.'),
    GOOGLE_USERINFO_URL: z
      .url()
      .default('https://openidconnect.googleapis.com/v1/userinfo')
      .describe('Google OpenID Connect userinfo endpoint.'),
  })
  .superRefine((cfg, ctx) => {
    if (
      cfg.TUS_STAGING_PREFIX.startsWith(cfg.S3_CHUNK_PREFIX) ||
      cfg.S3_CHUNK_PREFIX.startsWith(cfg.TUS_STAGING_PREFIX)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['TUS_STAGING_PREFIX'],
        message: 'must not overlap S3_CHUNK_PREFIX (objects there are counted as chunks)',
      })
    }
    if (cfg.MAIL_FROM === undefined && cfg.LFUSYS_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required in production' })
    }
    if (cfg.MAIL_TRANSPORT === 'smtp' && cfg.SMTP_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'required when MAIL_TRANSPORT=smtp' })
    }
    for (const p of ['GITHUB', 'GOOGLE'] as const) {
      const id = cfg[`${p}_CLIENT_ID`]
      const secret = cfg[`${p}_CLIENT_SECRET`]
      if ((id === undefined) !== (secret === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [`${p}_CLIENT_SECRET`],
          message: `set both ${p}_CLIENT_ID and ${p}_CLIENT_SECRET or neither`,
        })
      }
    }
  })

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>

export function loadGatewayConfig(env: Env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env, {
    secrets: {
      AUTH_TOKEN_KEYS: 'keyRing',
      SERVICE_TOKEN_KEYS: 'keyRing',
      GITHUB_CLIENT_SECRET: 'credential',
      GOOGLE_CLIENT_SECRET: 'credential',
      SMTP_URL: 'credential',
      AWS_SECRET_ACCESS_KEY: 'credential',
    },
  })
}
