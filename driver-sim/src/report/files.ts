import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { reportPage } from './page';
import type { Series } from './series';
import type { RunSummary } from './summary';

export interface RunReport {
  startedAt: string;
  brokers: readonly string[];
  seed: number;
  roads: string;
  idPrefix: string;
  summary: RunSummary;
  series: Series;
}

/** Indented JSON with each series on one line (an array a line, not a number a line). */
export function reportJson(report: RunReport): string {
  const text = JSON.stringify(report, null, 2).replace(
    /\[\s+([-\d.,\snul]*?)\s+\]/g,
    (_m, inner: string) => `[${inner.replace(/\s+/g, '')}]`,
  );
  return `${text}\n`;
}

/**
 * Writes `--report file`: for `x.html` the page and `x.json` beside it, for any other name the JSON
 * only. Resolves with the files written.
 */
export async function writeReport(file: string, report: RunReport): Promise<string[]> {
  const html = /\.html?$/i.test(file);
  const jsonFile = html ? file.replace(/\.html?$/i, '.json') : file;
  await mkdir(dirname(jsonFile), { recursive: true });
  await writeFile(jsonFile, reportJson(report));
  if (!html) return [jsonFile];
  await writeFile(
    file,
    reportPage(report.summary, report.series, { ...report, jsonFile: relative(dirname(file), jsonFile) }),
  );
  return [file, jsonFile];
}
