import { resolve } from 'node:path';
import { constants } from 'node:zlib';
import { defineConfig } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

/**
 * Two pages: the rider's (/) and the operator's (/fleet). The broker serves dist/, picking the
 * .br or .gz copy written next to each file when the browser accepts it (MapLibre alone is over
 * 1.6 MB uncompressed; a phone on a mobile network downloads about a quarter of that with Brotli).
 */
export default defineConfig({
  build: {
    target: 'es2022',
    reportCompressedSize: true,
    // The shared chunk is MapLibre GL (about 1.4 MB minified); its compressed size is in docs/benchmarks.md.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: { rider: resolve(import.meta.dirname, 'index.html'), fleet: resolve(import.meta.dirname, 'fleet.html') },
    },
  },
  plugins: [
    compression({
      include: /\.(js|css|html|svg|json)$/,
      threshold: 1024,
      skipIfLargerOrEqual: true,
      logLevel: 'silent',
      algorithms: [
        defineAlgorithm('gzip', { level: 9 }),
        defineAlgorithm('brotliCompress', { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      ],
    }),
  ],
});
