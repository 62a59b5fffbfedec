# One image per service: docker build --build-arg SERVICE=gateway -t lfusys/gateway .
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-slim AS deps
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN npm install -g pnpm@10.34.8
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
# Dependency patches listed in pnpm-workspace.yaml (today only the dev emulator's); install reads them.
COPY patches patches
COPY packages packages
COPY services services
COPY proto proto
ARG SERVICE
RUN pnpm install --frozen-lockfile --prod --filter "@lfusys/${SERVICE}..."

FROM node:24-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=deps /app /app
COPY scripts/healthcheck.ts scripts/start-service.sh scripts/
# A container that says nothing else runs as production (strict config checks, Secure cookies);
# development stacks set LFUSYS_ENV=development themselves.
ENV LFUSYS_ENV=production
# Scratch space on read-only root filesystems: ECS copies this VOLUME's mode
# (1777) into the task's bind mount, so the non-root user can write there.
VOLUME ["/tmp"]
USER node
# start-service.sh runs the service's package.json start script (with the telemetry --import entry).
CMD ["sh", "-c", "exec scripts/start-service.sh \"$SERVICE\""]
