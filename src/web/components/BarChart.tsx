/** A horizontal bar chart in SVG: labels left, bars scaled to the largest value, values right. */
export function BarChart({ rows, colour, onSelect, title }: { rows: { label: string; value: number; key?: string; colour?: string }[]; colour?: string; onSelect?: (key: string) => void; title: string }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 22;
  const labelW = 250;
  const barW = 260;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg width={labelW + barW + 60} height={rows.length * rowH + 4} role="img" aria-label={title}>
        {rows.map((r, i) => (
          <g key={r.key ?? r.label} transform={`translate(0, ${i * rowH})`} className={onSelect ? 'clickable' : ''} onClick={() => onSelect?.(r.key ?? r.label)}>
            <text x={labelW - 8} y={15} textAnchor="end">
              {r.label.length > 36 ? r.label.slice(0, 35) + '…' : r.label}
            </text>
            <rect x={labelW} y={4} height={rowH - 8} width={Math.max(1, (r.value / max) * barW)} fill={r.colour ?? colour ?? '#3b6ea5'} />
            <text x={labelW + (r.value / max) * barW + 6} y={15}>
              {r.value}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
