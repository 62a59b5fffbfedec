export { envBoolean, envInt, envList, envPort, envSecret, envUrl } from './fields.ts'
export { parseKeyRing, type RingKey, ringKeyFor } from './keyRing.ts'
export {
  ConfigError,
  describeEnv,
  type Env,
  type EnvVarDoc,
  type LoadConfigOptions,
  loadConfig,
} from './loadConfig.ts'
export {
  estimateEntropyBits,
  MIN_KEY_ENTROPY_BITS,
  PUBLISHED_SECRETS,
  productionSecretProblems,
  type SecretKind,
} from './secrets.ts'
export { awsEnv, redisEnv, runtimeEnv, s3Env, telemetryEnv, uploadPolicyEnv } from './shared.ts'
