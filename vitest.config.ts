import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,broker,driver-sim,rider-web,infra}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['infra/test/global-setup.ts'],
  },
});
