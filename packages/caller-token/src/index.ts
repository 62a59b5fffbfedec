export {
  CALLER_TOKEN_AUDIENCE,
  CALLER_TOKEN_ISSUER,
  CALLER_TOKEN_METADATA,
  type CallerIdentity,
  type CallerTokenKey,
  callerAuthorization,
  parseCallerTokenKeys,
  signCallerToken,
  verifyCallerToken,
} from './callerToken.ts'
