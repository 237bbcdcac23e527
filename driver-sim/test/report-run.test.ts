import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { decodeLocation } from '@ridetrack/shared';
import { ARTIFACTS, NO_DEV_ENV, until, withBrokerProcess, withChromium } from '@ridetrack/testkit';

/**
 * `npm run sim -- --report run.html` against the real broker: the JSON holds what was measured
 * (checked against a subscriber of the test's own), and the page draws it in Chromium with no
 * network at all.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = randomBytes(32).toString('hex');
const DRIVERS = 15;

interface Report {
  summary: Record<string, number | null>;
  series: Record<string, (number | null)[]> & { tS: number[] };
}

const total = (values: readonly (number | null)[] | undefined): number =>
  (values ?? []).reduce<number>((a, b) => a + (b ?? 0), 0);

describe('the simulation report', () => {
  it(
    'holds what was sent and delivered, and renders its charts with axes in Chromium, fetching nothing',
    { timeout: 120_000 },
    () =>
      withBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: secret }, async (broker) => {
        const url = broker.mqttUrl;
        // The test's own count of the fixes the broker delivers, independent of the simulator's.
        const watcher = await mqtt.connectAsync(url, {
          clientId: 'operator:report-watch',
          username: 'ops',
          password: await new SignJWT({ role: 'operator' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('report-watch')
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode(secret)),
        });
        let seen = 0;
        watcher.on('message', (topic, payload, packet) => {
          if (!packet.retain && topic.startsWith('d/rep-') && decodeLocation(payload).ok) seen++;
        });
        await watcher.subscribeAsync('d/+/l');

        const dir = mkdtempSync(join(tmpdir(), 'ridetrack-report-'));
        const html = join(dir, 'run.html');
        const sim = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(ROOT, 'driver-sim/src/main.ts'),
            '--drivers',
            String(DRIVERS),
            '--id-prefix',
            'rep-',
            '--broker',
            url,
            '--report',
            html,
          ],
          { cwd: ROOT, env: { ...process.env, RIDETRACK_DIR: NO_DEV_ENV, JWT_SECRET: secret }, stdio: 'ignore' },
        );
        // Run until a few dozen fixes came back, then stop it as a person would (Ctrl-C).
        await until(() => seen >= 40, '40 fixes', 60_000);
        sim.kill('SIGINT');
        const [code] = (await once(sim, 'exit')) as [number];
        expect(code).toBe(0);

        const report = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Report;
        const { summary, series } = report;
        const published = summary['published'] ?? -1;
        await until(() => seen >= published, 'the last fixes at the test subscriber', 5000);
        await watcher.endAsync();
        expect(seen).toBe(published);
        expect(summary['delivered']).toBe(published); // loopback, a light load: nothing lost
        expect(total(series['sent'])).toBe(published);
        expect(total(series['delivered'])).toBe(summary['delivered']);
        expect(summary['peakOnline']).toBe(DRIVERS);
        expect(summary['online']).toBe(DRIVERS); // still connected when it was stopped
        expect(Math.max(...(series['online'] ?? []).map((v) => v ?? 0))).toBe(DRIVERS);
        const [p50, p99, max] = [summary['latencyP50Ms'], summary['latencyP99Ms'], summary['latencyMaxMs']];
        expect(p50).not.toBeNull();
        expect(p50 ?? 0).toBeLessThanOrEqual(p99 ?? 0);
        expect(p99 ?? 0).toBeLessThanOrEqual(max ?? 0);

        mkdirSync(ARTIFACTS, { recursive: true });
        await withChromium(async (browser) => {
          for (const [name, viewport] of [
            ['phone', { width: 390, height: 844 }],
            ['desktop', { width: 1440, height: 900 }],
          ] as const) {
            const page = await browser.newPage({ viewport });
            const fetched: string[] = [];
            const errors: string[] = [];
            await page.route('**/*', (route) => {
              const request = route.request().url();
              if (request.startsWith('file:')) return route.continue();
              fetched.push(request);
              return route.abort();
            });
            page.on('pageerror', (e) => errors.push(e.message));
            await page.goto(pathToFileURL(html).href);

            expect(await page.locator('figure.panel').count()).toBe(6);
            // Lines drawn from the data: the fleet online and the fixes sent have real paths.
            for (const [panel, line] of [
              ['Drivers online', 'online'],
              ['Fixes sent and delivered', 'sent'],
              ['Fixes sent and delivered', 'delivered'],
              ['Delivery latency', 'p99'],
            ] as const) {
              const d = await page
                .locator('figure.panel', { hasText: panel })
                .locator(`path.series[data-name="${line}"]`)
                .getAttribute('d');
              expect(d ?? '', `${panel}: ${line}`).toMatch(/^M[\d.]+,[\d.]+.*[LC][\d.]+,[\d.]+/);
            }
            // Axes: time from 0:00 with its label, values with their units.
            const fixes = page.locator('figure.panel', { hasText: 'Fixes sent and delivered' });
            expect(await fixes.locator('text.tick.x').first().textContent()).toBe('0:00');
            expect(await fixes.locator('text.axis-label').textContent()).toMatch(/time since start/);
            expect(await fixes.locator('text.tick.y').allTextContents()).toContain('0');
            expect((await fixes.locator('text.tick.y').allTextContents()).some((t) => / \/s$/.test(t))).toBe(true);
            // The page shows the JSON's figures.
            expect(await page.locator('.tile[data-field="published"] .value').textContent()).toBe(
              published.toLocaleString('en-US'),
            );
            // Hovering a panel reads out its values at that moment.
            const plot = page.locator('figure.panel', { hasText: 'Drivers online' }).locator('svg');
            const box = await plot.boundingBox();
            if (box === null) throw new Error('no drivers panel');
            await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
            await page.waitForSelector('figure.panel .tip:not([hidden])');
            expect(await page.locator('figure.panel .tip:not([hidden])').textContent()).toMatch(/online: \d+/);

            await page.screenshot({ path: join(ARTIFACTS, `report-${name}.png`), fullPage: true });
            expect(fetched).toEqual([]);
            expect(errors).toEqual([]);
            await page.close();
          }
        });
      }),
  );
});
