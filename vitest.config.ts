import { defineConfig } from 'vitest/config'

const ignored = ['**/node_modules/**', '**/.toolchain/**', '**/.devstack/**', '**/dist/**']

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.spec.ts',
            'services/*/src/**/*.spec.ts',
            'apps/cli/src/**/*.spec.ts',
            'apps/web/src/**/*.spec.ts',
            'tests/**/*.spec.ts',
          ],
          exclude: [...ignored, '**/*.e2e.spec.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: [
            'packages/*/src/**/*.e2e.spec.ts',
            'services/*/src/**/*.e2e.spec.ts',
            'tests/**/*.e2e.spec.ts',
          ],
          exclude: ignored,
          // One local stack (fauxqs, DynamoDB Local, Redis) for the whole run; each file provisions
          // its own uniquely named resources in it.
          globalSetup: ['packages/testing/src/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The web app in Chromium and the CLI, end to end against the whole system as processes.
          name: 'web',
          include: ['apps/*/e2e/**/*.e2e.spec.ts'],
          exclude: ignored,
          globalSetup: ['packages/testing/src/globalSetup.ts'],
          testTimeout: 240_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
