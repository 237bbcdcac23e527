import type { Page } from 'playwright-core';

/** One animation frame of the rider's car: how far it moved on screen (px) and the frame's length (ms). */
export interface CarFrame {
  d: number;
  dt: number;
}

/**
 * Watches the rider page's car for `ms` milliseconds, one entry per animation frame. Sent as source
 * text, not a function: a TypeScript loader would add helpers the page does not have. Used by the
 * smoothness test and the rider benchmark, so both read the same thing.
 */
export function watchCarFrames(page: Page, ms: number): Promise<CarFrame[]> {
  return page.evaluate<CarFrame[]>(`new Promise((resolve) => {
    const el = document.querySelector('[data-testid="car"]');
    const at = () => {
      const m = /translate\\(([-\\d.]+)px, ([-\\d.]+)px\\)/.exec(el.style.transform);
      return { x: Number(m && m[1]), y: Number(m && m[2]) };
    };
    const out = [];
    let last = at();
    let lastT = performance.now();
    const end = lastT + ${Math.round(ms)};
    const tick = (t) => {
      const p = at();
      out.push({ d: Math.hypot(p.x - last.x, p.y - last.y), dt: t - lastT });
      last = p;
      lastT = t;
      if (t < end) requestAnimationFrame(tick);
      else resolve(out);
    };
    requestAnimationFrame(tick);
  })`);
}
