/** Content codings the broker sends compressed copies in, best first. */
export type Coding = 'br' | 'gzip';

/**
 * The best coding a request accepts (RFC 9110 12.5.3): "br" before "gzip", none when neither is
 * listed or both are refused with q=0. A "*" accepts both.
 */
export function pickCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const weight = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (name !== '') q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weight = (c: Coding): number => q.get(c) ?? q.get('*') ?? 0;
  const best = (['br', 'gzip'] as const).filter((c) => weight(c) > 0).sort((a, b) => weight(b) - weight(a))[0];
  return best;
}

/** Whether a request accepts a coding at all (q > 0, or "*"). */
export function acceptsCoding(acceptEncoding: string | undefined, coding: Coding): boolean {
  if (acceptEncoding === undefined) return false;
  let star = 0;
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const weight = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (name === coding) return Number.isFinite(weight) && weight > 0;
    if (name === '*') star = Number.isFinite(weight) ? weight : 0;
  }
  return star > 0;
}
