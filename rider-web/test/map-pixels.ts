import type { Page } from 'playwright-core';

/** The operator map's live drivers' colours: available, to pickup, on trip (rider-web/src/fleet/points.ts). */
export const LIVE_DRIVER_COLOURS = [
  [0x1e, 0x8e, 0x3e],
  [0xf2, 0x99, 0x00],
  [0x1b, 0x6e, 0xf3],
] as const;

export interface PixelsFound {
  count: number;
  /** The hit nearest the map's middle, in page pixels (-1, -1 for none). */
  x: number;
  y: number;
  /** Whether a hit lies within 3 px of `near`. */
  near: boolean;
  /** For each of `points`, whether a hit lies within `radius` px of it. */
  at: boolean[];
}

/**
 * In the page: decodes a PNG screenshot of the map and counts the pixels within a few levels of
 * the given colours; returns the one nearest the map's middle, in page pixels, whether one lies
 * within 3 px of `near`, and which of `points` have one within `radius`.
 */
function colourPixels(arg: {
  png64: string;
  colours: readonly (readonly number[])[];
  near?: { x: number; y: number } | undefined;
  points?: { x: number; y: number }[];
  radius?: number;
  /** Only the image's first rows are read. */
  rows?: number;
}): Promise<PixelsFound> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onerror = () => reject(new Error('screenshot does not decode'));
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      if (ctx === null) {
        reject(new Error('no 2d context'));
        return;
      }
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, Math.min(arg.rows ?? img.height, img.height));
      const box = document.getElementById('map')?.getBoundingClientRect();
      const points = arg.points ?? [];
      const radius = arg.radius ?? 3;
      const at = points.map(() => false);
      let count = 0;
      let found = { x: -1, y: -1 };
      let best = Number.POSITIVE_INFINITY;
      let near = false;
      for (let i = 0; i < data.length; i += 4) {
        const hit = arg.colours.some(
          ([r = 0, g = 0, b = 0]) =>
            Math.abs((data[i] ?? 0) - r) < 8 &&
            Math.abs((data[i + 1] ?? 0) - g) < 8 &&
            Math.abs((data[i + 2] ?? 0) - b) < 8,
        );
        if (!hit) continue;
        count++;
        const p = i / 4;
        const px = p % img.width;
        const py = Math.floor(p / img.width);
        const x = px + (box?.left ?? 0);
        const y = py + (box?.top ?? 0);
        // The one returned is the nearest the middle: a pan of 100 px keeps it on the map and
        // clear of the panels along its edges.
        const fromMiddle = Math.hypot(px - img.width / 2, py - img.height / 2);
        if (fromMiddle < best) {
          best = fromMiddle;
          found = { x, y };
        }
        if (arg.near && Math.abs(x - arg.near.x) <= 3 && Math.abs(y - arg.near.y) <= 3) near = true;
        points.forEach((q, k) => {
          if (Math.abs(x - q.x) <= radius && Math.abs(y - q.y) <= radius) at[k] = true;
        });
      }
      resolve({ count, ...found, near, at });
    };
    img.src = `data:image/png;base64,${arg.png64}`;
  });
}

/**
 * Finds pixels of these colours in the first `rows` rows of a screenshot of the whole page: what is
 * on screen (a clipped or element screenshot is painted afresh, and may differ).
 */
export function pagePixels(
  page: Page,
  png: Buffer,
  colours: readonly (readonly number[])[],
  rows: number,
): Promise<PixelsFound> {
  return page.evaluate(colourPixels, { png64: png.toString('base64'), colours, rows });
}

/** Screenshots the map and finds pixels of these colours in it (in page pixels). */
export async function mapPixels(
  page: Page,
  colours: readonly (readonly number[])[] = LIVE_DRIVER_COLOURS,
  extra: { near?: { x: number; y: number }; points?: { x: number; y: number }[]; radius?: number } = {},
): Promise<PixelsFound> {
  const png64 = (await page.locator('#map').screenshot()).toString('base64');
  return page.evaluate(colourPixels, { png64, colours, ...extra });
}
