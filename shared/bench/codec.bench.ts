/**
 * npm run bench:codec — encode and decode operations per second for the v1 packet and for OwnTracks
 * JSON (the same-run baseline), and the bytes one fix costs on the wire in each form. Bounded: about
 * BENCH_SECONDS (1) per measurement. Appends the run to docs/results/codec.jsonl.
 */
import {
  decodeLocation,
  decodeOwnTracks,
  encodeLocation,
  locationTopic,
  ownTracksTopic,
  type LocationFix,
} from '../src/index';
import { machineLine } from './machine';
import { recordRun, resultsFile } from './results';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 1);

function fixAt(i: number): LocationFix {
  return {
    seq: i,
    timestampMs: 1_764_288_000_000 + i * 1000,
    lat: 39.2904 + (i % 1000) * 1e-5,
    lng: -76.6122 - (i % 997) * 1e-5,
    headingDeg: (i * 7) % 360,
    speedMps: 8 + (i % 10),
    accuracyM: 4 + (i % 20),
    tripState: 'on_trip',
    simulated: false,
  };
}

/** OwnTracks JSON for the same fix, as the Android app would send it (with its usual extra fields). */
function ownTracksJson(f: LocationFix): string {
  return JSON.stringify({
    _type: 'location',
    acc: Math.round(f.accuracyM ?? 0),
    alt: 12,
    batt: 80,
    bs: 1,
    cog: Math.round(f.headingDeg ?? 0),
    conn: 'm',
    created_at: Math.floor(f.timestampMs / 1000),
    lat: Number(f.lat.toFixed(7)),
    lon: Number(f.lng.toFixed(7)),
    t: 'u',
    tid: 'd7',
    tst: Math.floor(f.timestampMs / 1000),
    vac: 3,
    vel: Math.round((f.speedMps ?? 0) * 3.6),
  });
}

function opsPerSecond(run: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 50_000; i++) if (run(i)) sink++; // warm up the JIT
  const deadline = performance.now() + SECONDS * 1000;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 10_000; i++, ops++) if (run(ops)) sink++;
  }
  const elapsedS = (performance.now() - start) / 1000;
  if (sink < 0) console.log(sink);
  return ops / elapsedS;
}

const fixes = Array.from({ length: 1024 }, (_, i) => fixAt(i));
const packets = fixes.map(encodeLocation);
const jsons = fixes.map(ownTracksJson);
const jsonBytes = jsons.map((j) => new TextEncoder().encode(j));

const encode = opsPerSecond((i) => encodeLocation(fixes[i & 1023] as LocationFix));
const decode = opsPerSecond((i) => decodeLocation(packets[i & 1023] as Uint8Array).ok);
const jsonDecode = opsPerSecond((i) => decodeOwnTracks(jsonBytes[i & 1023] as Uint8Array).ok);

const avgJson = jsonBytes.reduce((n, b) => n + b.byteLength, 0) / jsonBytes.length;
// MQTT 3.1.1 PUBLISH at QoS 0: 1 byte type, 1 byte remaining length (< 128), 2 bytes topic length.
const mqttBytes = (topic: string, payload: number): number => {
  const remaining = 2 + topic.length + payload;
  return 1 + (remaining < 128 ? 1 : 2) + remaining;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

console.log(`machine: ${machineLine()}`);
console.log(`measured for ${SECONDS} s each`);
console.log('');
console.log('| operation | ops/s |');
console.log('| --- | --- |');
console.log(`| encodeLocation (binary v1) | ${fmt(encode)} |`);
console.log(`| decodeLocation (binary v1) | ${fmt(decode)} |`);
console.log(`| decodeOwnTracks (JSON) | ${fmt(jsonDecode)} |`);
console.log('');
console.log('| form | payload bytes per fix | MQTT PUBLISH bytes (with topic) |');
console.log('| --- | --- | --- |');
const binaryBytes = packets[0]?.byteLength ?? Number.NaN;
const binaryPublish = mqttBytes(locationTopic('drv-00042'), binaryBytes);
const jsonPublish = mqttBytes(ownTracksTopic('drv-00042', 'phone'), Math.round(avgJson));
console.log(`| binary v1 | ${binaryBytes} | ${binaryPublish} |`);
console.log(`| OwnTracks JSON | ${avgJson.toFixed(1)} | ${jsonPublish} |`);
console.log(`ratio: OwnTracks JSON payload is ${(avgJson / binaryBytes).toFixed(1)}x the binary packet`);
recordRun('codec', {
  settings: { seconds: SECONDS, fixes: fixes.length },
  figures: {
    encodeOpsPerS: encode,
    decodeOpsPerS: decode,
    payloadBytes: binaryBytes,
    publishBytes: binaryPublish,
    jsonPayloadVsBinary: avgJson / binaryBytes,
  },
  baselines: { ownTracksJson: { decodeOpsPerS: jsonDecode, payloadBytes: avgJson, publishBytes: jsonPublish } },
  // #2: the v1 packet in 24 bytes or less.
  targets: { payloadBytes: 24 },
});
console.log(`\nrecorded in ${resultsFile('codec')}`);
