/**
 * FIRST EPSS daily scores (epss_scores-YYYY-MM-DD.csv): an optional first line
 * `#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000`, then `cve,epss,percentile`.
 */
import { CVE_ID, type ParsedFeed } from './feed.js';

export function parseEpss(text: string, file: string): ParsedFeed {
  const feed: ParsedFeed = { format: 'epss', published: null, entries: 0, vulns: [], products: [], errors: [] };
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /score_date:([^,\s]+)/.exec(line);
      if (m) feed.published = m[1];
      return;
    }
    const cells = line.split(',').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      if (!header.includes('cve') || !header.includes('epss')) {
        feed.errors.push(`${file}: line ${i + 1}: expected a header with "cve" and "epss" columns, got ${JSON.stringify(line.slice(0, 80))}`);
        header = null;
        lines.length = 0;
      }
      return;
    }
    const cve = cells[header.indexOf('cve')];
    const score = Number(cells[header.indexOf('epss')]);
    const pIdx = header.indexOf('percentile');
    const percentile = pIdx >= 0 && cells[pIdx] !== undefined && cells[pIdx] !== '' ? Number(cells[pIdx]) : null;
    if (!cve || !CVE_ID.test(cve) || !Number.isFinite(score) || score < 0 || score > 1 || (percentile !== null && !(percentile >= 0 && percentile <= 1))) {
      feed.errors.push(`${file}: line ${i + 1}: not "CVE-id,probability 0-1,percentile 0-1": ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    feed.entries++;
    feed.vulns.push({ cve, epss: { score, percentile } });
  });
  if (!header && feed.errors.length === 0) feed.errors.push(`${file}: no "cve,epss,percentile" header`);
  return feed;
}
