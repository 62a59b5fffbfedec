# Two commands matter: `make dev` (run everything locally) and `make test` (lint, typecheck, every test).
SHELL := /bin/bash
export PATH := $(CURDIR)/.toolchain/bin:$(PATH)

.PHONY: dev stack test lint unit e2e bench bench-fairness chaos deps toolchain system-deps clean help

help:
	@echo "make dev    - local stack (S3/SQS, DynamoDB, Redis emulators) + every service + web app"
	@echo "make test   - lint (Biome), typecheck and every test"
	@echo "make stack  - only the local stack;  make bench - pipeline benchmark;  make bench-fairness - chunk intake fairness;  make clean"
	@echo "make chaos  - fault injection against the real processes; writes docs/reliability.md"

toolchain:
	@bash scripts/bootstrap.sh

system-deps:
	@bash scripts/system-deps.sh

# Always run: a no-op when node_modules already matches the lockfile.
deps: toolchain system-deps
	@pnpm install --frozen-lockfile --prefer-offline --reporter=silent

dev: deps
	node packages/devstack/src/cli.ts --dev $(ARGS)

stack: deps
	node packages/devstack/src/cli.ts $(ARGS)

lint: deps
	pnpm biome check .
	pnpm tsc -p tsconfig.json --noEmit
	pnpm -r --if-present run typecheck

test: deps
	@bash scripts/test.sh

unit: deps
	pnpm vitest run --project unit

e2e: deps
	pnpm vitest run --project e2e --project web

# Fault injection against the real processes (full trials); updates the table in docs/reliability.md.
chaos: deps
	CHAOS_FULL=1 CHAOS_REPORT=docs/reliability.md pnpm vitest run --project e2e packages/chaos

bench: deps
	pnpm --filter @lfusys/bench bench:pipeline $(ARGS)

bench-fairness: deps
	pnpm --filter @lfusys/bench bench:fairness $(ARGS)

clean:
	rm -rf .devstack test-artifacts
