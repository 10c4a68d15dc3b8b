/** A small hospital built directly in the store: devices, zones, listening services and conversations. */
import type { InventoryStore } from '../../src/store/inventory-store.js';

export interface Site {
  guestReachesXtr: boolean;
  centralStations: ('xtr' | 'cic')[];
}

const T0 = 1_700_000_000;

export async function buildSite(store: InventoryStore, site: Site): Promise<Map<string, number>> {
  await store.replaceZones([
    { id: 'rad', name: 'Radiology', kind: 'clinical', site: null, department: null, subnet: '10.50.0.0/24', vlan: 50, inferred: 0 },
    { id: 'clin', name: 'ICU', kind: 'clinical', site: null, department: null, subnet: '10.40.0.0/24', vlan: 40, inferred: 0 },
    { id: 'it', name: 'IT', kind: 'it', site: null, department: null, subnet: '10.60.0.0/24', vlan: 60, inferred: 0 },
    { id: 'guest', name: 'Guest Wi-Fi', kind: 'guest', site: null, department: null, subnet: '172.20.0.0/24', vlan: 90, inferred: 0 },
  ]);
  const ids = new Map<string, number>();
  let n = 0;
  const dev = async (name: string, zone: string, vendor: string | null, model: string | null, firmware: string | null, category: string) => {
    n++;
    const mac = `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
    ids.set(name, await store.createDevice({ identity_kind: 'mac', identity: mac, first_seen: T0, last_seen: T0 + 60, mac, ip: `10.0.0.${n}`, vlan: null, hostname: name, vendor, model, firmware, os: null, serial: null, category, role: null, zone }));
  };
  await dev('ws-it', 'it', 'Dell', 'OptiPlex 7090', null, 'workstation');
  await dev('isp-a', 'rad', 'Philips', 'IntelliSpace Portal 8.0', null, 'pacs');
  await dev('isp-b', 'rad', 'Philips', 'IntelliSpace Portal 8.0', null, 'pacs');
  await dev('isp-c', 'rad', 'Philips', 'IntelliSpace Portal 8.0', null, 'pacs');
  if (site.centralStations.includes('xtr')) await dev('xtr', 'clin', 'Spacelabs', 'Xhibit Telemetry Receiver 96280', '1.0.2', 'central-station');
  if (site.centralStations.includes('cic')) await dev('cic', 'clin', 'GE Healthcare', 'Clinical Information Center', '5.1', 'central-station');
  await dev('guest-laptop', 'guest', 'Intel', null, null, 'guest');
  await dev('mon-1', 'clin', 'Mindray', 'BeneVision N12', null, 'patient-monitor');
  await dev('pump-1', 'clin', 'Baxter', 'Sigma Spectrum', '8.00.01', 'infusion-pump');
  await dev('pump-2', 'clin', 'Baxter', 'Sigma Spectrum', '8.00.01', 'infusion-pump');
  await dev('pump-3', 'clin', 'Baxter', null, null, 'infusion-pump');
  await dev('pump-4', 'clin', 'Baxter', 'Sigma Spectrum', '8.00.01', 'infusion-pump');
  const listen = (name: string, transport: string, port: number, service: string | null) => ({ device_id: ids.get(name)!, transport, port, direction: 'listen' as const, service, flows: 3, first_seen: T0, last_seen: T0 + 60 });
  const services = [listen('isp-a', 'tcp', 445, 'smb'), listen('isp-a', 'tcp', 443, 'tls'), listen('isp-b', 'tcp', 445, 'smb'), listen('isp-c', 'tcp', 443, 'tls'), listen('pump-1', 'tcp', 23, 'telnet')];
  if (ids.has('xtr')) services.push(listen('xtr', 'tcp', 3389, 'rdp'));
  if (ids.has('cic')) services.push(listen('cic', 'tcp', 443, 'tls'));
  await store.upsertServices(services);
  const conn = (from: string, to: string, transport: string, port: number, service: string | null) => ({ client_id: ids.get(from)!, server_id: ids.get(to)!, transport, port, service, flows: 2, bytes: 4000, first_seen: T0, last_seen: T0 + 60 });
  const conns = [conn('ws-it', 'isp-a', 'tcp', 445, 'smb'), conn('ws-it', 'isp-c', 'tcp', 443, 'tls'), conn('ws-it', 'pump-1', 'tcp', 23, 'telnet')];
  if (ids.has('xtr')) {
    conns.push(conn('isp-a', 'xtr', 'tcp', 3389, 'rdp'), conn('mon-1', 'xtr', 'tcp', 2000, null));
    if (site.guestReachesXtr) conns.push(conn('guest-laptop', 'xtr', 'tcp', 3389, 'rdp'));
  }
  if (ids.has('cic')) conns.push(conn('mon-1', 'cic', 'tcp', 2000, null), conn('guest-laptop', 'cic', 'tcp', 443, 'tls'));
  await store.upsertConnections(conns);
  return ids;
}

