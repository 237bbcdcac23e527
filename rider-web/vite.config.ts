import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Two pages: the rider's (/) and the operator's (/fleet). The broker serves dist/. */
export default defineConfig({
  build: {
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input: { rider: resolve(import.meta.dirname, 'index.html'), fleet: resolve(import.meta.dirname, 'fleet.html') },
    },
  },
});
