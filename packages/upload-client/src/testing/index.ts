export { ChunkGate, type ChunkPut } from './ChunkGate.ts'
export { cookieFetch } from './cookieFetch.ts'
export { type RunningSystem, type SystemOptions, startSystem, UPLOAD_TOKEN_KEYS } from './system.ts'
