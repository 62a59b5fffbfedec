# The web app, built with Vite and served by nginx, which also proxies the API and chunk PUTs.
FROM node:24-slim AS build
RUN npm install -g pnpm@10.34.8
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --filter "@lfusys/web..." && pnpm --filter @lfusys/web build

FROM nginx:1.27-alpine
COPY infra/docker/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/apps/web/dist /usr/share/nginx/html
