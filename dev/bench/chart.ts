/*
 * A hand-written SVG (no browser needed): two panels against job duration (log
 * scale) — status checks per job (log scale) and delay from the job's end to the
 * summary — one dot per simulated job, ours and the fixed-30-second baseline.
 */

export interface ChartPoint {
  durationSeconds: number;
  checks: number;
  delaySeconds: number | null;
}

const W = 900;
const PANEL_H = 300;
const M = { left: 70, right: 20, top: 40, bottom: 50 };

function logScale(value: number, lo: number, hi: number, a: number, b: number): number {
  return a + ((Math.log(value) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (b - a);
}

function fmtDuration(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${seconds / 60} min` : `${seconds / 3600} h`;
}

export function renderChart(ours: ChartPoint[], baseline: ChartPoint[]): string {
  const xLo = 10;
  const xHi = 43200;
  const x = (d: number) => logScale(Math.max(xLo, d), xLo, xHi, M.left, W - M.right);
  const parts: string[] = [];
  const ticksX = [10, 60, 300, 1800, 3600, 7200, 21600, 43200];
  const panel = (
    top: number,
    title: string,
    yOf: (p: ChartPoint) => number | null,
    yTicks: number[],
    yMap: (v: number) => number,
    yLabel: (v: number) => string,
  ) => {
    const bottom = top + PANEL_H - M.bottom;
    parts.push(`<text x="${M.left}" y="${top + 22}" font-size="15" font-weight="bold">${title}</text>`);
    parts.push(`<line x1="${M.left}" y1="${bottom}" x2="${W - M.right}" y2="${bottom}" stroke="#333"/>`);
    parts.push(`<line x1="${M.left}" y1="${top + M.top}" x2="${M.left}" y2="${bottom}" stroke="#333"/>`);
    for (const t of ticksX) {
      parts.push(`<line x1="${x(t)}" y1="${top + M.top}" x2="${x(t)}" y2="${bottom}" stroke="#eee"/>`);
      parts.push(
        `<text x="${x(t)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${fmtDuration(t)}</text>`,
      );
    }
    for (const t of yTicks) {
      const y = yMap(t);
      parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/>`);
      parts.push(`<text x="${M.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${yLabel(t)}</text>`);
    }
    parts.push(
      `<text x="${(M.left + W) / 2}" y="${bottom + 36}" font-size="12" text-anchor="middle">job duration (log scale)</text>`,
    );
    for (const [points, color] of [
      [baseline, '#d62728'],
      [ours, '#1f77b4'],
    ] as const) {
      for (const p of points) {
        const v = yOf(p);
        if (v === null) continue;
        parts.push(
          `<circle cx="${x(p.durationSeconds).toFixed(1)}" cy="${yMap(v).toFixed(1)}" r="1.6" fill="${color}" fill-opacity="0.5"/>`,
        );
      }
    }
  };
  // Panel 1: checks per job, log scale 1 .. 2000.
  const top1 = 0;
  const y1 = (v: number) => logScale(Math.max(1, v), 1, 2000, top1 + PANEL_H - M.bottom, top1 + M.top);
  panel(top1, 'Status checks per job', (p) => p.checks, [1, 10, 100, 1000], y1, String);
  // Panel 2: delay, linear 0 .. 60 s (clipped).
  const top2 = PANEL_H;
  const y2 = (v: number) => top2 + PANEL_H - M.bottom - (Math.min(60, v) / 60) * (PANEL_H - M.bottom - M.top);
  panel(
    top2,
    'Delay from the job’s end to the summary (s, clipped at 60)',
    (p) => p.delaySeconds,
    [0, 15, 30, 45, 60],
    y2,
    String,
  );
  const legend = `<g font-size="12"><circle cx="${W - 260}" cy="14" r="5" fill="#1f77b4"/><text x="${W - 250}" y="18">adaptive (ours)</text><circle cx="${W - 140}" cy="14" r="5" fill="#d62728"/><text x="${W - 130}" y="18">fixed 30 s</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * PANEL_H}" viewBox="0 0 ${W} ${2 * PANEL_H}" font-family="sans-serif" role="img"><title>Status checks per job and delay from the job's end to the summary, against job duration: adaptive polling and the fixed 30-second poller</title><rect width="100%" height="100%" fill="white"/>${legend}${parts.join('')}</svg>\n`;
}
