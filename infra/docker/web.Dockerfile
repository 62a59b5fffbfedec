# The web app, built with Vite and served as static files by nginx (non-root, port 8080). It runs with
# a read-only root filesystem: nginx-unprivileged keeps its pid and temp files in /tmp, a volume.
FROM node:24-slim AS build
RUN npm install -g pnpm@10.34.8
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --filter "@lfusys/web..." && pnpm --filter @lfusys/web build

FROM nginxinc/nginx-unprivileged:1.28-alpine
COPY infra/docker/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/apps/web/dist /usr/share/nginx/html
# ECS copies a VOLUME's mode into the task's bind mount, so the non-root user can write /tmp.
VOLUME ["/tmp"]
