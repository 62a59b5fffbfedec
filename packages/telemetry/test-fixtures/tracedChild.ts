// Run as a child process by startTelemetry.e2e.spec.ts: starts telemetry, then loads http through
// the CommonJS loader (as fastify, grpc-js and the AWS SDK do), serves and calls one request.
import { createRequire } from 'node:module'
import { startTelemetry } from '../src/index.ts'

const endpoint = process.argv[2] ?? ''
const telemetry = startTelemetry({ serviceName: 'telemetry-probe', enabled: true, endpoint })
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')
const server = http.createServer((_req, res) => res.end('ok'))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
const port = typeof address === 'object' && address ? address.port : 0
await new Promise<void>((resolve, reject) => {
  http
    .get(`http://127.0.0.1:${port}/work`, (res) => {
      res.resume()
      res.on('end', resolve)
    })
    .on('error', reject)
})
server.close()
await telemetry.shutdown()
