import type { BenchRun } from '../../shared/bench/results';

/** What `npm run bench:rider` measures: the load marks, the car's motion, the ETA errors. */
export interface RiderResults {
  load: {
    cold: { firstCarMs: number; fullMapMs: number };
    repeat: { firstCarMs: number; fullMapMs: number };
    network: Record<string, unknown>;
  };
  motion: {
    inPage: { frames: number; fps: number; movedShare: number; maxJumpPx: number };
    replay: {
      fixes: number;
      mainGlide: { frames: number; movedShare: number; maxJumpPx: number } | null;
      motion: { frames: number; movedShare: number; maxJumpPx: number } | null;
    };
  };
  eta: {
    trips: number;
    medianAbsError: number;
    p90AbsError: number;
    baselineMedianAbsError: number;
    baselineP90AbsError: number;
    samples: { predictedS: number; actualS: number; error: number; baselineError: number }[];
  };
}

/**
 * The run as data: every figure, the same-run baselines (main's glide on the same fixes, main's
 * straight-line ETA at the same moments) and the targets of #20.
 */
export function riderRecord(r: RiderResults): Pick<BenchRun, 'figures' | 'baselines' | 'targets' | 'atLeast'> {
  const glide = r.motion.replay.mainGlide;
  return {
    figures: {
      firstCarColdMs: r.load.cold.firstCarMs,
      fullMapColdMs: r.load.cold.fullMapMs,
      firstCarRepeatMs: r.load.repeat.firstCarMs,
      fullMapRepeatMs: r.load.repeat.fullMapMs,
      movedShare: r.motion.inPage.movedShare,
      maxJumpPx: r.motion.inPage.maxJumpPx,
      fps: r.motion.inPage.fps,
      etaMedianAbsError: r.eta.trips === 0 ? null : r.eta.medianAbsError,
      etaP90AbsError: r.eta.trips === 0 ? null : r.eta.p90AbsError,
      etaTrips: r.eta.trips,
      frames: r.motion.inPage.frames,
      replay: r.motion.replay,
      etaSamples: r.eta.samples,
    },
    baselines: {
      mainGlide: glide === null ? {} : { movedShare: glide.movedShare, maxJumpPx: glide.maxJumpPx },
      mainEta:
        r.eta.trips === 0
          ? {}
          : { etaMedianAbsError: r.eta.baselineMedianAbsError, etaP90AbsError: r.eta.baselineP90AbsError },
    },
    targets: {
      firstCarColdMs: 1500,
      fullMapColdMs: 4000,
      firstCarRepeatMs: 1000,
      movedShare: 0.95,
      maxJumpPx: 3,
      etaMedianAbsError: 0.2,
      etaP90AbsError: 0.35,
    },
    atLeast: ['movedShare'],
  };
}

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number) => `${Math.round(x)} ms`;

/** The run as the printout's table. */
export function riderTable(r: RiderResults): string[] {
  const { load, motion, eta } = r;
  return [
    '| figure | measured | target |',
    '| --- | --- | --- |',
    `| first car on screen, cold (1.6 Mbps/750 kbps/150 ms, 390x844) | ${ms(load.cold.firstCarMs)} | ≤ 1500 ms |`,
    `| full map (MapLibre idle), cold | ${ms(load.cold.fullMapMs)} | ≤ 4000 ms |`,
    `| first car, repeat visit | ${ms(load.repeat.firstCarMs)} | ≤ 1000 ms |`,
    `| full map, repeat visit | ${ms(load.repeat.fullMapMs)} | |`,
    `| car moved on frames (in page, ${motion.inPage.frames} frames, ${motion.inPage.fps.toFixed(1)} fps) | ${pct(motion.inPage.movedShare)} | ≥ 95% |`,
    `| largest move in one frame at zoom 16 (in page) | ${motion.inPage.maxJumpPx.toFixed(2)} px | ≤ 3 px |`,
    `| replay of the same ${motion.replay.fixes} fixes at 60 fps: moved / largest move | motion.ts ${pct(motion.replay.motion?.movedShare)} / ${motion.replay.motion?.maxJumpPx.toFixed(2)} px; main's glide ${pct(motion.replay.mainGlide?.movedShare)} / ${motion.replay.mainGlide?.maxJumpPx.toFixed(2)} px | |`,
    `| ETA error two minutes out, median (${eta.trips} trips) | ${pct(eta.medianAbsError)} (main's estimate: ${pct(eta.baselineMedianAbsError)}) | ±20% |`,
    `| ETA error, p90 | ${pct(eta.p90AbsError)} (main's estimate: ${pct(eta.baselineP90AbsError)}) | ±35% |`,
  ];
}
