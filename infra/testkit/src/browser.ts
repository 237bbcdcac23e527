import { chromium, type Browser } from 'playwright-core';
import { useStarted } from './hooks';

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

/**
 * Chromium, launched before the block's tests and closed after them (before what was started
 * ahead of it, such as the broker its pages talk to). Read `browser` inside tests and hooks only.
 */
export function useChromium(): { readonly browser: Browser } {
  // A minute's ceiling: Chromium starting on a machine busy with other tests' browsers is slow.
  const browser = useStarted(launchChromium, (b) => b.close(), 'the Chromium of this block', 60_000);
  return {
    get browser() {
      return browser();
    },
  };
}

/** Chromium for one test: launched, given to `use`, and closed however `use` ends (a failed expectation too). */
export async function withChromium<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}
