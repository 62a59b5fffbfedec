/**
 * Caller-token keys (SERVICE_TOKEN_KEYS) for tests: a gateway and a sessions service started by one
 * test sign and verify with the same ring, as they do in a deployment.
 */
export const TEST_SERVICE_TOKEN_KEYS = 'svc1:caller-token-key-for-tests-0123456789abcdef'
