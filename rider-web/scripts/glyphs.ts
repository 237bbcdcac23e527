import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype, { type Font, type PathCommand } from 'opentype.js';
import { PbfWriter } from 'pbf';
import { BASEMAP_FONTS } from '@ridetrack/shared';

/**
 * Label glyphs for the basemap, made at build time from Noto Sans (OFL, from the npm package
 * @expo-google-fonts/noto-sans), in the format MapLibre reads: per font and range of 256 code
 * points, a protobuf of signed distance fields (the layout node-fontnik writes: 24 px em, a 3 px
 * border, cutoff 0.25, radius 8, top measured from the ascender). No maintained pure-JS generator
 * of this format exists (fontnik is a native addon with prebuilt binaries), so the outlines come
 * from opentype.js and the distances are computed here, exactly, from the flattened outline.
 */
const SIZE_PX = 24;
const BORDER_PX = 3;
const RADIUS_PX = 8;
const CUTOFF = 0.25;

const FONT_FILES: Record<string, string> = {
  [BASEMAP_FONTS.regular]: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf',
  [BASEMAP_FONTS.medium]: '@expo-google-fonts/noto-sans/500Medium/NotoSans_500Medium.ttf',
};

/** Every glyph range of every basemap font, as files: "Noto Sans Regular/0-255.pbf" and its bytes. */
export function makeGlyphs(): { path: string; bytes: Uint8Array }[] {
  const require = createRequire(import.meta.url);
  const files: { path: string; bytes: Uint8Array }[] = [];
  for (const [name, file] of Object.entries(FONT_FILES)) {
    const bytes = readFileSync(require.resolve(file));
    const font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const codes = Object.keys(
      (font.tables['cmap'] as unknown as { glyphIndexMap: Record<string, number> }).glyphIndexMap,
    )
      .map(Number)
      .filter((c) => c < 65536);
    for (const start of [...new Set(codes.map((c) => c - (c % 256)))].sort((a, b) => a - b)) {
      const range = `${start}-${start + 255}`;
      files.push({
        path: `${name}/${range}.pbf`,
        bytes: glyphRange(
          font,
          name,
          range,
          codes.filter((c) => c >= start && c <= start + 255),
        ),
      });
    }
  }
  return files;
}

function glyphRange(font: Font, name: string, range: string, codes: number[]): Uint8Array {
  const scale = SIZE_PX / font.unitsPerEm;
  // FreeType's ascender at this size: rounded up to whole pixels, as node-fontnik reads it.
  const ascender = Math.ceil((font.tables['hhea'] as unknown as { ascender: number }).ascender * scale);
  const out = new PbfWriter();
  out.writeMessage(
    1,
    (_: null, stack) => {
      stack.writeStringField(1, name);
      stack.writeStringField(2, range);
      for (const code of codes) {
        const g = font.charToGlyph(String.fromCodePoint(code));
        const sdf = glyphSdf(g.path.commands, scale);
        stack.writeMessage(
          3,
          (_: null, m) => {
            m.writeVarintField(1, code);
            if (sdf.width > 0) m.writeBytesField(2, sdf.bitmap);
            m.writeVarintField(3, sdf.width);
            m.writeVarintField(4, sdf.height);
            m.writeSVarintField(5, sdf.left);
            m.writeSVarintField(6, sdf.top - ascender);
            m.writeVarintField(7, Math.round((g.advanceWidth ?? 0) * scale));
          },
          null,
        );
      }
    },
    null,
  );
  return out.finish();
}

interface Sdf {
  bitmap: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
}

/** The outline as line segments in pixels, y up (curves cut into 8 pieces each). */
function flatten(commands: readonly PathCommand[], scale: number): number[] {
  const segs: number[] = [];
  let x = 0;
  let y = 0;
  let sx = 0;
  let sy = 0;
  const line = (nx: number, ny: number): void => {
    segs.push(x, y, nx, ny);
    x = nx;
    y = ny;
  };
  for (const c of commands) {
    if (c.type === 'M') {
      x = sx = c.x * scale;
      y = sy = c.y * scale;
    } else if (c.type === 'L') line(c.x * scale, c.y * scale);
    else if (c.type === 'Q' || c.type === 'C') {
      const [x0, y0] = [x, y];
      for (let i = 1; i <= 8; i++) {
        const t = i / 8;
        const u = 1 - t;
        if (c.type === 'Q')
          line(
            u * u * x0 + 2 * u * t * c.x1 * scale + t * t * c.x * scale,
            u * u * y0 + 2 * u * t * c.y1 * scale + t * t * c.y * scale,
          );
        else
          line(
            u * u * u * x0 + 3 * u * u * t * c.x1 * scale + 3 * u * t * t * c.x2 * scale + t * t * t * c.x * scale,
            u * u * u * y0 + 3 * u * u * t * c.y1 * scale + 3 * u * t * t * c.y2 * scale + t * t * t * c.y * scale,
          );
      }
    } else line(sx, sy); // Z: close the contour
  }
  return segs;
}

/** A glyph's signed distance field: 255 deep inside, 191 on the outline, 0 at 6 px outside. */
function glyphSdf(commands: readonly PathCommand[], scale: number): Sdf {
  const segs = flatten(commands, scale);
  if (segs.length === 0) return { bitmap: new Uint8Array(0), width: 0, height: 0, left: 0, top: 0 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < segs.length; i += 2) {
    minX = Math.min(minX, segs[i] ?? 0);
    maxX = Math.max(maxX, segs[i] ?? 0);
    minY = Math.min(minY, segs[i + 1] ?? 0);
    maxY = Math.max(maxY, segs[i + 1] ?? 0);
  }
  const left = Math.floor(minX);
  const bottom = Math.floor(minY);
  const top = Math.ceil(maxY);
  const width = Math.ceil(maxX) - left;
  const height = top - bottom;
  const w = width + 2 * BORDER_PX;
  const h = height + 2 * BORDER_PX;
  const bitmap = new Uint8Array(w * h);
  for (let row = 0; row < h; row++) {
    const py = top + BORDER_PX - row - 0.5;
    for (let col = 0; col < w; col++) {
      const px = left - BORDER_PX + col + 0.5;
      let best = Infinity;
      let winding = 0;
      for (let i = 0; i < segs.length; i += 4) {
        const ax = segs[i] ?? 0;
        const ay = segs[i + 1] ?? 0;
        const bx = segs[i + 2] ?? 0;
        const by = segs[i + 3] ?? 0;
        const dx = bx - ax;
        const dy = by - ay;
        const len2 = dx * dx + dy * dy;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
        const ex = ax + dx * t - px;
        const ey = ay + dy * t - py;
        best = Math.min(best, ex * ex + ey * ey);
        // Non-zero winding: TrueType outlines fill by it.
        if (ay <= py ? by > py : by <= py) {
          const cross = dx * (py - ay) - dy * (px - ax);
          if (ay <= py && cross > 0) winding++;
          else if (ay > py && cross < 0) winding--;
        }
      }
      const d = Math.sqrt(best) * (winding !== 0 ? -1 : 1);
      bitmap[row * w + col] = Math.max(0, Math.min(255, Math.round(255 - 255 * (d / RADIUS_PX + CUTOFF))));
    }
  }
  return { bitmap, width, height, left, top };
}
