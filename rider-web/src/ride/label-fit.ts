/**
 * Where a pin's label goes across: centred over its pin, moved in just enough to stay `marginPx`
 * inside the view, so that a pin near the screen's edge keeps its whole label ("Destination" was
 * cut in half at the left edge). A pin off screen has no label: a label alone at the edge, or a
 * stub of one, would point at nothing. Returns the label's left edge relative to the pin, in
 * pixels, or null for no label.
 */
export function labelLeftPx(pinX: number, labelW: number, viewW: number, marginPx: number): number | null {
  const centred = -labelW / 2;
  if (pinX < 0 || pinX > viewW) return null;
  const min = marginPx - pinX;
  const max = viewW - marginPx - labelW - pinX;
  if (max < min) return centred; // a label wider than the view
  return Math.min(max, Math.max(min, centred));
}
