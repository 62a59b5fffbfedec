export { fileSource } from './fileSource.ts'
