export { artifactsDir, cacheDir, repoRoot } from './paths.ts'
export { type SharedStack, sharedStack } from './sharedStack.ts'
export { provisionTestStack, type TestStack } from './testStack.ts'
export { type WaitOptions, waitFor } from './waitFor.ts'
