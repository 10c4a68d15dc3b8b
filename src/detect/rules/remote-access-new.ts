/**
 * `remote-access.new`: a remote-access tool (TeamViewer, AnyDesk, VNC: `remote-access.tool`) seen on a
 * device, once per tool and pair of hosts. Vendors reach medical devices this way, and so do intruders;
 * the alert asks whether this session was expected. The device is the controlled side (the listener for VNC).
 */
import type { Observation } from '../../protocols/observation.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

const LISTEN_PORTS = new Set([5900, 5901, 5902, 5938, 7070, 50001]);

export function remoteAccessRule(): DetectionRule {
  const seen = new Set<string>();
  return {
    id: 'remote-access.new',
    rawKeys: ['remote-access.tool'],
    raw(o: Observation, out: FindingSink) {
      const tool = String(o.value);
      const srcListens = LISTEN_PORTS.has(o.src.port) && !LISTEN_PORTS.has(o.dst.port);
      const controlled = srcListens ? o.src : o.dst;
      const controller = srcListens ? o.dst : o.src;
      const key = `${tool}|${controller.ip}>${controlled.ip}`;
      if (seen.has(key)) return;
      if (seen.size < 100_000) seen.add(key);
      out.raise({
        rule: 'remote-access.new',
        severity: 'medium',
        title: `${tool} session to ${controlled.ip}`,
        description: `${controller.ip} reaches ${controlled.ip} with ${tool}: remote control of the device; confirm it was a planned support session.`,
        ts: o.ts,
        src: host(controller),
        dst: host(controlled),
        evidence: { tool, port: controlled.port },
        flows: o.flow === undefined ? [] : [{ id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }],
      });
    },
  };
}
