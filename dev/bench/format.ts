/* Formatting shared by the bench's reports: markdown tables and one-decimal numbers. */

export const quantile = (values: number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const pct = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;

/** A share with one decimal, for targets judged on it (20.4 % is not "20 %" when the limit is 20 %). */
export const pct1 = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
