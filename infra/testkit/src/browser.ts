import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, for page tests and benchmarks. The background-networking flags keep
 * it from calling out (this machine has no network); SwiftShader gives MapLibre WebGL with no GPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-gl=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}
