import { resolve } from 'node:path';
import { constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';
import { makeGlyphs } from './scripts/glyphs';

/** The basemap's label glyphs (scripts/glyphs.ts), made at build time into dist/glyphs/, served by the broker at /map/glyphs/. */
function basemapGlyphs(): Plugin {
  return {
    name: 'ridetrack-basemap-glyphs',
    apply: 'build',
    generateBundle() {
      for (const g of makeGlyphs()) this.emitFile({ type: 'asset', fileName: `glyphs/${g.path}`, source: g.bytes });
    },
  };
}

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
    basemapGlyphs(),
    compression({
      include: /\.(js|css|html|svg|json|pbf)$/,
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
