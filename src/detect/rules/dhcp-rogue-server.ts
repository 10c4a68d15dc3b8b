/**
 * `dhcp.rogue-server`: a second DHCP server handing out addresses in a subnet another server already serves,
 * within a day of it. Servers are told apart by the server identifier (option 54) of their OFFER and ACK
 * messages, which stays the real server's through relays; the subnet is the /24 of the offered or assigned
 * address. The first server heard in a subnet is taken as the site's own and every later one is raised.
 */
import { subnetOf } from '../../inventory/address-kinds.js';
import type { Observation } from '../../protocols/observation.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

const OFFER = 2;
const ACK = 5;
const OVERLAP_S = 86_400;

export function dhcpRogueServerRule(): DetectionRule {
  const last = new Map<string, { type: number; subnet: string | null }>();
  const servers = new Map<string, Map<string, { ip: string; lastTs: number }>>();
  return {
    id: 'dhcp.rogue-server',
    rawKeys: ['dhcp.msg_type', 'dhcp.server_id', 'dhcp.offered_ip', 'dhcp.assigned_ip'],
    raw(o: Observation, out: FindingSink) {
      const sender = `${o.src.ip}|${o.src.mac}`;
      if (o.key === 'dhcp.msg_type') {
        if (last.size > 100_000) last.clear();
        last.set(sender, { type: Number(o.value), subnet: null });
        return;
      }
      const m = last.get(sender);
      if (!m || (m.type !== OFFER && m.type !== ACK)) return;
      if (o.key !== 'dhcp.server_id') {
        const ip = String(o.value).split(' ')[1];
        if (ip) m.subnet = subnetOf(ip);
        return;
      }
      if (m.subnet === null) return;
      const id = String(o.value);
      let inSubnet = servers.get(m.subnet);
      if (!inSubnet) servers.set(m.subnet, (inSubnet = new Map()));
      const known = inSubnet.get(id);
      if (known) {
        known.lastTs = Math.max(known.lastTs, o.ts);
        return;
      }
      const other = [...inSubnet.values()].find((s) => Math.abs(o.ts - s.lastTs) <= OVERLAP_S);
      inSubnet.set(id, { ip: id, lastTs: o.ts });
      if (!other) return;
      out.raise({
        rule: 'dhcp.rogue-server',
        severity: 'high',
        title: `Second DHCP server ${id} in ${m.subnet}.0/24`,
        description: `${id} (sent by ${o.src.ip}, ${o.src.mac ?? 'no MAC'}) hands out addresses in ${m.subnet}.0/24, which ${other.ip} serves: a rogue server can make itself the clients' gateway and DNS.`,
        ts: o.ts,
        src: host(o.src),
        dst: { ip: other.ip, mac: null },
        device: 'src',
        evidence: { serverId: id, otherServer: other.ip, subnet: `${m.subnet}.0/24`, messageType: m.type },
        flows: o.flow === undefined ? [] : [{ id: o.flow, proto: 'udp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }],
      });
    },
  };
}
