import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type PortNames = { tcp: Record<string, string>; udp: Record<string, string> };

/** knowledge/services.json, found from both src/ (tests) and dist/src/ (the built CLI). */
function loadPortNames(): PortNames {
  for (const rel of ['../../knowledge/services.json', '../../../knowledge/services.json']) {
    try {
      return JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as PortNames;
    } catch {
      // try the next layout
    }
  }
  throw new Error('knowledge/services.json not found beside the package');
}

/** Service names by port, as arrays so the lookup allocates nothing. */
export class ServiceNames {
  private static instance: ServiceNames | null = null;

  /** The names from knowledge/services.json, loaded once per process. */
  static shared(): ServiceNames {
    return (ServiceNames.instance ??= new ServiceNames());
  }

  private readonly tcp: (string | undefined)[] = new Array(65536);
  private readonly udp: (string | undefined)[] = new Array(65536);

  constructor(names: PortNames = loadPortNames()) {
    for (const [port, name] of Object.entries(names.tcp)) this.tcp[Number(port)] = name;
    for (const [port, name] of Object.entries(names.udp)) this.udp[Number(port)] = name;
  }

  /** The responder's port names the service; the originator's is the fallback. */
  lookup(proto: number, responderPort: number, originatorPort: number): string | null {
    const table = proto === 6 ? this.tcp : proto === 17 ? this.udp : null;
    if (!table) return null;
    return table[responderPort] ?? table[originatorPort] ?? null;
  }
}
