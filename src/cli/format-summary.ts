import type { AnalysisSummary } from '../analyze/analysis-summary.js';

function iso(ts: number | null): string {
  return ts === null ? '-' : new Date(ts * 1000).toISOString();
}

/** The human summary `vigil analyze` prints. */
export function formatSummary(s: AnalysisSummary): string {
  const lines: string[] = [];
  for (const f of s.files) {
    const kind = `${f.format}${f.gzip ? '.gz' : ''}`;
    const damage = f.damage ? `, TRUNCATED at byte ${f.damage.offset}: ${f.damage.reason}` : '';
    const drops = f.interfaceDrops !== undefined ? `, ${f.interfaceDrops} dropped by the capturing interface` : '';
    lines.push(`${f.file}: ${kind}, ${f.packets} packets${drops}${damage}`);
  }
  lines.push(
    `packets       ${s.packets}`,
    `bytes         ${s.bytes}${s.capturedBytes < s.bytes ? ` (${s.capturedBytes} captured)` : ''}`,
    `flows         ${s.flows}`,
    `observations  ${s.observations}`,
    `time          ${iso(s.firstTs)} .. ${iso(s.lastTs)} (${s.durationS} s, ${s.packetsPerSecond} packets/s)`,
  );
  const errorLines = Object.entries(s.errors).flatMap(([layer, reasons]) =>
    Object.entries(reasons).map(([reason, n]) => `  ${layer}: ${reason}: ${n}`),
  );
  lines.push(`malformed     ${errorLines.length === 0 ? 'none' : ''}`, ...errorLines);
  if (s.flowTable.evicted > 0) lines.push(`flow table    ${s.flowTable.evicted} flows evicted (max ${s.flowTable.maxFlows})`);
  lines.push(
    `analysis      ${s.analysis.elapsedS} s, ${s.analysis.packetsPerSecond} packets/s, ${s.analysis.megabytesPerSecond} MB/s, peak RSS ${s.analysis.peakRssMiB} MiB`,
  );
  return lines.join('\n');
}
