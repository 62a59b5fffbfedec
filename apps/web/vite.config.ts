import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The browser talks to the gateway through this proxy, so auth cookies are same-origin
// (SameSite=Strict works, no CORS with credentials). Chunk PUTs go straight to the uploads
// service with a bearer token and no cookies.
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3100'
const port = Number(process.env.WEB_PORT ?? 5173)
const proxy = { '/api': { target: gateway, changeOrigin: false, xfwd: true } }

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { host: '127.0.0.1', port, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port, strictPort: true, proxy },
  worker: { format: 'es' },
})
