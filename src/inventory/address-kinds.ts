/** Address facts the inventory needs: which IPs can be a device's own, and which are local. */

/** 0.0.0.0, broadcast, multicast and the unspecified IPv6 address name no device. */
export function isDeviceAddress(ip: string): boolean {
  if (ip === '' || ip === '0.0.0.0' || ip === '255.255.255.255' || ip === '::') return false;
  if (ip.includes(':')) return !ip.toLowerCase().startsWith('ff');
  const first = Number(ip.slice(0, ip.indexOf('.')));
  if (first >= 224) return false;
  return !ip.endsWith('.255');
}

/**
 * Addresses that belong to the site: RFC 1918, CGNAT (RFC 6598), link-local, loopback, IPv6 ULA
 * (fc00::/7) and link-local (fe80::/10). Other addresses are the internet: peers, not inventory.
 */
export function isLocalAddress(ip: string): boolean {
  if (ip.includes(':')) {
    const l = ip.toLowerCase();
    return l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe8') || l.startsWith('fe9') || l.startsWith('fea') || l.startsWith('feb') || l === '::1';
  }
  const p = ip.split('.').map(Number);
  if (p.length !== 4) return false;
  return p[0] === 10 || p[0] === 127 || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168) || (p[0] === 169 && p[1] === 254) || (p[0] === 100 && p[1] >= 64 && p[1] <= 127);
}

/**
 * Link-local addresses (IPv4 169.254/16, RFC 3927; IPv6 fe80::/10, RFC 4291 §2.5.6) are unique only on their
 * link and never forwarded by a router: the frame that carries one comes from its own host's MAC, and the
 * same address (a gateway's fe80::1) recurs on every VLAN.
 */
export function isLinkLocalAddress(ip: string): boolean {
  if (ip.includes(':')) return /^fe[89ab]/i.test(ip);
  return ip.startsWith('169.254.');
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one (as written), to tell subnets apart. */
export function subnetOf(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 4).join(':');
  return ip.slice(0, ip.lastIndexOf('.'));
}

/** Multicast MACs (I/G bit set) are groups, not devices. */
export function isGroupMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** The U/L bit: locally administered, which is how phones and laptops randomise their MAC. */
export function isLocallyAdministeredMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 2) === 2;
}
