/**
 * A one-line progress bar on a terminal, redrawn at most every 1% ("label [#####.....] 50%");
 * nothing where the output is not a terminal (a log file or a pipe), which wants no carriage returns.
 */
export function progressBar(
  out: { isTTY?: boolean; write(s: string): unknown },
  label: string,
  width = 30,
): { update: (fraction: number) => void; done: () => void } {
  let shown = -1;
  return {
    update: (fraction: number) => {
      if (out.isTTY !== true) return;
      const pct = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      if (pct === shown) return;
      shown = pct;
      const filled = Math.round((pct / 100) * width);
      out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
    },
    done: () => {
      if (shown >= 0) out.write('\r\x1b[2K');
      shown = -1;
    },
  };
}
