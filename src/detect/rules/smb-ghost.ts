/**
 * `smb.ghost`: CVE-2020-0796 (SMBGhost, SMBv3.1.1 compression). A COMPRESSION_TRANSFORM_HEADER whose Offset
 * overflows or points past its message is the exploit (critical); any compressed message is medium; a server
 * agreeing to compression in its 3.1.1 NEGOTIATE response is exposed if unpatched (Windows 10 1903/1909,
 * Server 1903/1909) and is what SMBGhost scanners look for: low.
 */
import type { Observation } from '../../protocols/observation.js';
import type { Severity } from '../alert.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

export function smbGhostRule(): DetectionRule {
  return {
    id: 'smb.ghost',
    rawKeys: ['smb.compression', 'smb.compression_transform', 'smb.compression_bad_offset'],
    raw(o: Observation, out: FindingSink) {
      const flows = o.flow === undefined ? [] : [{ id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }];
      let severity: Severity;
      let title: string;
      let description: string;
      // The negotiate fact comes from the server; the transform facts from whoever sent the message (the attacker).
      const fromServer = o.key === 'smb.compression';
      if (o.key === 'smb.compression_bad_offset') {
        severity = 'critical';
        title = `SMBGhost exploit against ${o.dst.ip}`;
        description = `${o.src.ip} sent an SMB3 compression transform header whose Offset overflows or points past the message (CVE-2020-0796).`;
      } else if (o.key === 'smb.compression_transform') {
        severity = 'medium';
        title = `Compressed SMB3 message to ${o.dst.ip}`;
        description = `${o.src.ip} sent an SMB3 compressed message to ${o.dst.ip}: the CVE-2020-0796 code path; rare in hospital traffic.`;
      } else {
        severity = 'low';
        title = `SMB 3.1.1 compression offered by ${o.src.ip}`;
        description = `${o.src.ip} accepted SMB 3.1.1 compression (${(o.value as readonly string[]).join(', ')}) from ${o.dst.ip}: exposed to CVE-2020-0796 (SMBGhost) unless patched (KB4551762).`;
      }
      out.raise({
        rule: 'smb.ghost', severity, title, description, ts: o.ts,
        src: host(fromServer ? o.dst : o.src), dst: host(fromServer ? o.src : o.dst),
        evidence: { fact: o.key, ...(fromServer ? { algorithms: o.value as readonly string[] } : {}) }, flows,
      });
    },
  };
}
