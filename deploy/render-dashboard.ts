import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { dashboardBody, type Widget } from './dashboard.ts';
import { dashboardInputOf } from './resources.ts';
import { STAGES_DIR } from './stack.ts';
import { parseStageConfig } from './stage-config.ts';

/*
 * `npm run dashboard:render -- --stage prod [--out docs/dashboard-prod.svg]`:
 * draws the stage's dashboard layout as an SVG from the very body the stack
 * deploys (deploy/dashboard.ts): each widget where CloudWatch puts it (a
 * 24-column grid), with its title, its kind and what it graphs. A picture of the
 * layout, not of data: no AWS call.
 */

const COLUMN = 40;
const ROW = 28;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The dashboard body's widgets drawn at their grid positions. */
export function renderDashboardSvg(widgets: Widget[], title: string): string {
  const height = Math.max(...widgets.map((w) => w.y + w.height)) * ROW + 40;
  const width = 24 * COLUMN;
  const boxes = widgets.map((w) => {
    const x = w.x * COLUMN;
    const y = 40 + w.y * ROW;
    const wPx = w.width * COLUMN - 6;
    const hPx = w.height * ROW - 6;
    const lines =
      w.type === 'text'
        ? (w.properties.markdown ?? '').split('\n\n').map((l) => l.replace(/\*\*|##\s*/g, ''))
        : ((w.properties.metrics ?? []) as (string | { label?: string })[][]).map((m) => {
            // A line's options (a trailing object) may carry its label; else the last dimension names it.
            const options = m.at(-1);
            if (typeof options === 'object' && options?.label) return `${m[1]} (${options.label})`;
            return `${m[1]} (${String(options)})`;
          });
    const text = lines
      .slice(0, Math.floor((hPx - 30) / 16))
      .map(
        (line, i) =>
          `<text x="${x + 10}" y="${y + 42 + i * 16}" font-size="11" fill="#444">${escapeXml(line.slice(0, Math.floor(wPx / 6.2)))}</text>`,
      )
      .join('');
    const full =
      w.type === 'text' ? 'about this dashboard' : `${w.properties.title ?? ''} · ${w.properties.stat ?? ''}`;
    const fits = Math.floor(wPx / 7.6);
    const heading = full.length > fits ? `${full.slice(0, fits - 1)}…` : full;
    return `<rect x="${x}" y="${y}" width="${wPx}" height="${hPx}" rx="4" fill="${w.type === 'text' ? '#f4f6f8' : '#ffffff'}" stroke="#b8c2cc"/><text x="${x + 10}" y="${y + 20}" font-size="13" font-weight="bold" fill="#16191f">${escapeXml(heading)}</text>${text}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#eef1f4"/><text x="8" y="26" font-size="16" font-weight="bold">${escapeXml(title)}</text>${boxes.join('')}</svg>\n`;
}

function main(): void {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, out: { type: 'string' } } });
  const stage = values.stage ?? 'prod';
  const config = parseStageConfig(parse(readFileSync(join(STAGES_DIR, `${stage}.yml`), 'utf8')), stage);
  const { template } = dashboardBody(dashboardInputOf(config));
  const body = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => `<${name}>`);
  const widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets;
  const out = resolve(values.out ?? `docs/dashboard-${stage}.svg`);
  writeFileSync(out, renderDashboardSvg(widgets, `CloudWatch dashboard scheduled-exports-${stage} (layout)`));
  console.log(`wrote ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
