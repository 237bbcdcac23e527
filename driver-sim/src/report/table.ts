import { formatField, SUMMARY_FIELDS, type RunSummary } from './summary';

/**
 * The run's summary as an aligned table for the terminal: field name (as in the JSON), value,
 * what it means. Fields with no value (no observer) are left out.
 */
export function summaryTable(summary: RunSummary, title: string): string {
  const rows = SUMMARY_FIELDS.filter((f) => summary[f.key] !== null).map((f) => [
    f.key,
    formatField(f, summary[f.key]),
    f.about,
  ]);
  const nameWidth = Math.max(...rows.map((r) => (r[0] ?? '').length));
  const valueWidth = Math.max(...rows.map((r) => (r[1] ?? '').length));
  const lines = rows.map(
    ([name = '', value = '', about = '']) => `  ${name.padEnd(nameWidth)}  ${value.padStart(valueWidth)}   ${about}`,
  );
  return `${title}\n${lines.join('\n')}\n`;
}
