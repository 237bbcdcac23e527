import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Two pages: the rider's (/) and the operator's (/fleet). The broker serves dist/. */
export default defineConfig({
  build: {
    target: 'es2022',
    reportCompressedSize: true,
    // The shared chunk is MapLibre GL (about 1.4 MB minified); its gzipped size is in docs/benchmarks.md.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: { rider: resolve(import.meta.dirname, 'index.html'), fleet: resolve(import.meta.dirname, 'fleet.html') },
    },
  },
});
