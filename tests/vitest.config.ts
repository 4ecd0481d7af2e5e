import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Four projects, one command (npm test):
//  sqlite   — unit tests and the integration suite over a real SQLite file per test file
//  postgres — the same integration suite over a throwaway PostgreSQL 15 cluster
//  e2e      — Chromium (playwright-core) against the built server
//  chaos    — storms, crashes and races across app processes, and the scenario fuzz
//             (small and bounded here; `npm run chaos` runs the full size)
const root = fileURLToPath(new URL('..', import.meta.url))
const alias = [{ find: /^~\//, replacement: `${root}app/` }]
// Each project sets BASE_URL: Vite puts its own ('/') into process.env; ours is an absolute URL.

export default defineConfig({
  root,
  resolve: { alias },
  test: {
    reporters: ['default'],
    // Two files at a time (vitest's default on 2 cores is one): the integration files wait on
    // their databases more than on the CPU. e2e and chaos still run one file at a time.
    maxWorkers: 2,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'sqlite',
          root,
          include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/integration/**/*.test.{ts,tsx}'],
          env: { TEST_DIALECT: 'sqlite', NODE_ENV: 'test', BASE_URL: 'http://localhost:3000' },
          // Migrated and demo-seeded templates, made once, copied per test file.
          globalSetup: ['tests/support/db-templates.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'postgres',
          root,
          include: ['tests/integration/**/*.test.{ts,tsx}'],
          env: { TEST_DIALECT: 'postgres', NODE_ENV: 'test', BASE_URL: 'http://localhost:3000' },
          globalSetup: ['tests/support/postgres-cluster.ts', 'tests/support/db-templates.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          root,
          include: ['tests/e2e/**/*.test.ts'],
          env: { NODE_ENV: 'test', BASE_URL: 'http://localhost:3000' },
          globalSetup: ['tests/support/e2e-server.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'chaos',
          root,
          include: ['tests/chaos/**/*.test.ts'],
          env: { NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', CHAOS_SCALE: process.env.CHAOS_SCALE ?? 'ci' },
          globalSetup: ['tests/support/postgres-cluster.ts'],
          // Each file starts app processes of its own: run after the other projects, one
          // file at a time, so a 2-core machine is not starved into false timeouts.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
