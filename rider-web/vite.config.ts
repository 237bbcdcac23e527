import { resolve } from 'node:path';
import { constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';
import { VitePWA } from 'vite-plugin-pwa';
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
    // A service worker (Workbox) for repeat visits: the rider page's shell, its scripts and MapLibre
    // precached; the page settings and the basemap's style served from cache while refreshed behind
    // it; map tiles and glyphs cached as they are drawn. Trips and live positions are never cached.
    VitePWA({
      strategies: 'generateSW',
      filename: 'sw.js',
      injectRegister: false,
      manifest: false,
      workbox: {
        globPatterns: ['index.html', 'assets/*.{js,css}'],
        // The operator map is not a rider's: its page and chunk are not precached.
        globIgnores: ['fleet.html', 'assets/fleet-*'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: null,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.pathname === '/config.json' || url.pathname === '/map/style.json',
            handler: 'StaleWhileRevalidate',
            options: { cacheName: 'ridetrack-settings' },
          },
          {
            // Basemap tiles, glyphs and sprites, whichever server the style names.
            urlPattern: ({ url }) => /\/(tiles|fonts|glyphs|sprites?)\/|\.(pbf|mvt|png|webp)$/.test(url.pathname),
            handler: 'CacheFirst',
            options: {
              cacheName: 'ridetrack-tiles',
              expiration: { maxEntries: 2000, maxAgeSeconds: 7 * 24 * 3600 },
              cacheableResponse: { statuses: [0, 200] },
            },
          },
        ],
      },
    }),
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
