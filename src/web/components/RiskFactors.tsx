import type { RiskScore } from '../../risk/risk-types';

export type { RiskFactor } from '../../risk/risk-types';

/** A stored score as GET /api/risk answers it (src/risk/device-risk.ts StoredRisk). */
export interface Risk extends RiskScore {
  device: { label: string; category: string | null; vendor: string | null; model: string | null; zone: string | null };
}

/** The factors behind a score with their weights: the number explains itself. */
export function RiskFactors({ risk }: { risk: Risk }) {
  return (
    <div className="risk-factors">
      <p>
        Safety <b data-testid="risk-safety">{risk.safety.toFixed(1)}</b> = 100 × likelihood {risk.likelihood.toFixed(3)} × safety impact {risk.safetyImpact.toFixed(3)}; privacy <b>{risk.privacy.toFixed(1)}</b> = 100 × {risk.likelihood.toFixed(3)} × {risk.privacyImpact.toFixed(3)}
      </p>
      <table className="list">
        <thead><tr><th>Factor</th><th>Kind</th><th>Weight</th><th>Seen</th></tr></thead>
        <tbody>{risk.factors.map((f) => <tr key={f.id}><td>{f.label}</td><td>{f.kind}</td><td>{f.weight}</td><td className="facts">{f.detail}</td></tr>)}</tbody>
      </table>
    </div>
  );
}
