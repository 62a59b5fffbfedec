// Container liveness probe: `node scripts/healthcheck.ts <service> <port>`. HTTP services answer
// /health/live; the gRPC sessions service is live when it accepts connections on its port.
import { createConnection } from 'node:net'

const [service, portText] = process.argv.slice(2)
const port = Number(portText)
if (!service || !Number.isInteger(port)) {
  console.error('usage: healthcheck.ts <service> <port>')
  process.exit(2)
}
const fail = () => process.exit(1)
setTimeout(fail, 4000).unref()
if (service === 'sessions') {
  const socket = createConnection({ host: '127.0.0.1', port }, () => {
    socket.end()
    process.exit(0)
  })
  socket.on('error', fail)
} else {
  fetch(`http://127.0.0.1:${port}/health/live`)
    .then((res) => process.exit(res.ok ? 0 : 1))
    .catch(fail)
}
