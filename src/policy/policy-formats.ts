/**
 * A policy written for the enforcement point a hospital has: nftables (Linux firewalls), a Cisco IOS
 * extended ACL (the SVI or the distribution switch), PAN-OS set commands (a Palo Alto firewall), or
 * JSON. Each allows the listed conversations (replies by connection state), then denies everything
 * else to and from the members, logged.
 */
import type { Policy } from './allowlist.js';

export const POLICY_FORMATS = ['nftables', 'cisco', 'panos', 'json'] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'policy';
const proto = (t: string) => (t === 'tcp' || t === 'udp' ? t : 'ip');
const addressed = (p: Policy) => p.allow.filter((r) => r.from.ip && r.to.ip);

function nftables(p: Policy): string {
  const lines = [`table inet vigil_${slug(p.name).replace(/-/g, '_')} {`, '  chain forward {', '    type filter hook forward priority 0; policy accept;', '    ct state established,related accept'];
  for (const r of addressed(p)) {
    const family = r.from.ip!.includes(':') ? 'ip6' : 'ip';
    lines.push(`    ${family} saddr ${r.from.ip} ${family} daddr ${r.to.ip} ${proto(r.transport)} dport ${r.port} accept comment "${r.reason.replace(/"/g, "'").slice(0, 120)}"`);
  }
  for (const m of p.members.filter((x) => x.ip)) {
    const family = m.ip!.includes(':') ? 'ip6' : 'ip';
    lines.push(`    ${family} daddr ${m.ip} log prefix "vigil-deny-to-${m.id} " drop`, `    ${family} saddr ${m.ip} log prefix "vigil-deny-from-${m.id} " drop`);
  }
  lines.push('  }', '}');
  return lines.join('\n');
}

function cisco(p: Policy): string {
  const name = `VIGIL-${slug(p.name).toUpperCase()}`;
  const lines = [`ip access-list extended ${name}`, ` remark Vigil allowlist: ${p.name.slice(0, 80)}`, ' permit tcp any any established'];
  for (const r of addressed(p).filter((x) => !x.from.ip!.includes(':'))) lines.push(` permit ${proto(r.transport)} host ${r.from.ip} host ${r.to.ip}${proto(r.transport) === 'ip' ? '' : ` eq ${r.port}`}`);
  for (const m of p.members.filter((x) => x.ip && !x.ip.includes(':'))) lines.push(` deny ip any host ${m.ip} log`, ` deny ip host ${m.ip} any log`);
  lines.push(' permit ip any any');
  return lines.join('\n');
}

function panos(p: Policy): string {
  const base = `vigil-${slug(p.name)}`;
  const lines: string[] = [];
  const services = new Set<string>();
  for (const r of addressed(p)) services.add(`${proto(r.transport)}/${r.port}`);
  for (const s of services) {
    const [t, port] = s.split('/');
    if (t === 'ip') continue;
    lines.push(`set service ${base}-${t}-${port} protocol ${t} port ${port}`);
  }
  addressed(p).forEach((r, i) => {
    const service = proto(r.transport) === 'ip' ? 'any' : `${base}-${proto(r.transport)}-${r.port}`;
    lines.push(`set rulebase security rules ${base}-allow-${i + 1} from any to any source ${r.from.ip} destination ${r.to.ip} application any service ${service} action allow description "${r.reason.replace(/"/g, "'").slice(0, 200)}"`);
  });
  const ips = p.members.filter((m) => m.ip).map((m) => m.ip!);
  if (ips.length) {
    lines.push(`set rulebase security rules ${base}-deny-to from any to any source any destination [ ${ips.join(' ')} ] application any service any action deny log-end yes`);
    lines.push(`set rulebase security rules ${base}-deny-from from any to any source [ ${ips.join(' ')} ] destination any application any service any action deny log-end yes`);
  }
  return lines.join('\n');
}

export function formatPolicy(p: Policy, format: PolicyFormat, header: string[] = []): string {
  const comment = format === 'cisco' ? '!' : '#';
  const top = header.map((h) => `${comment} ${h}`);
  if (format === 'json') return JSON.stringify({ ...p, notes: header }, null, 2);
  const body = format === 'nftables' ? nftables(p) : format === 'cisco' ? cisco(p) : panos(p);
  return [...top, body].join('\n');
}
