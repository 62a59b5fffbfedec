import type { PutObjectCommand } from '@aws-sdk/client-s3'

/**
 * Sends a body's known SHA-256 as the SigV4 payload hash (`x-amz-content-sha256`, the hex digest),
 * which S3 checks (XAmzContentSHA256Mismatch): without it the SDK hashes every Buffer body once
 * more to sign it. Pair it with `ChecksumSHA256`, which S3 verifies and stores with the object.
 */
export function withKnownPayloadHash<C extends PutObjectCommand>(command: C, sha256: Uint8Array): C {
  const hex = Buffer.from(sha256.buffer, sha256.byteOffset, sha256.byteLength).toString('hex')
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> }
      if (request.headers) request.headers['x-amz-content-sha256'] = hex
      return next(args)
    },
    { step: 'build', name: 'lfusysKnownPayloadHash' },
  )
  return command
}
