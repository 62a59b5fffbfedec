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
USER node
CMD ["sh", "-c", "exec scripts/start-service.sh \"$SERVICE\""]
