import { open, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { ChunkSource } from '../ChunkSource.ts'

/**
 * A file on disk read by positioned reads, so only the requested chunk is in memory and several
 * chunks can be read concurrently through one descriptor.
 */
export async function fileSource(
  path: string,
  contentType = 'application/octet-stream',
): Promise<ChunkSource> {
  const info = await stat(path)
  if (!info.isFile()) throw new Error(`${path} is not a regular file`)
  const handle = await open(path, 'r')
  return {
    name: basename(path),
    size: info.size,
    type: contentType,
    lastModified: Math.floor(info.mtimeMs),
    async read(start, end) {
      const length = end - start
      const out = new Uint8Array(new ArrayBuffer(length))
      let offset = 0
      while (offset < length) {
        const { bytesRead } = await handle.read(out, offset, length - offset, start + offset)
        if (bytesRead === 0) throw new Error(`${path} is shorter than expected (did it change?)`)
        offset += bytesRead
      }
      return out
    },
    async close() {
      await handle.close()
    },
  }
}
