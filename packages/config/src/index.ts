export { envBoolean, envInt, envList, envPort, envSecret, envUrl } from './fields.ts'
export { parseKeyRing, type RingKey } from './keyRing.ts'
export { ConfigError, describeEnv, type Env, type EnvVarDoc, loadConfig } from './loadConfig.ts'
export { awsEnv, redisEnv, runtimeEnv, s3Env, telemetryEnv } from './shared.ts'
