export { ChunkGate, type ChunkPut } from './ChunkGate.ts'
export { type RunningSystem, type SystemOptions, startSystem } from './system.ts'
