import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,broker,driver-sim,rider-web,infra}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['infra/testkit/src/global-setup.ts'],
    // Tests run over real sockets and processes and wait on events, never on time; on a loaded CI
    // machine spawning a process alone can take seconds, so the ceilings are generous.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
