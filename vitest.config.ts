import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,broker,driver-sim,rider-web,infra}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['infra/testkit/src/global-setup.ts'],
    setupFiles: ['infra/testkit/src/name-current-test.ts'],
    // A worker that dies of a fatal error (out of memory) writes a diagnostic report, with the
    // test it was running (name-current-test.ts) and its JavaScript stack: npm test prints it.
    execArgv: ['--report-on-fatalerror', '--report-directory=.tmp/fatal-reports'],
    // Tests run over real sockets and processes and wait on events, never on time; on a loaded CI
    // machine spawning a process alone can take seconds, so the ceilings are generous.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
