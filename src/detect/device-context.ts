/**
 * What detection knows about a device: its inventory id, category and patient-safety class. During the
 * analysis only the facts are known (a host speaking HL7, DICOM, IntelliVue... is clinical); once the
 * inventory is written, its categories and the taxonomy's safety impact take over.
 */
import type { SafetyImpact, Taxonomy } from '../inventory/taxonomy.js';

export interface DeviceInfo {
  deviceId: number | null;
  category: string | null;
  safetyImpact: SafetyImpact | null;
  /** A medical device or clinical system (taxonomy `medical`, or a clinical protocol seen from it). */
  medical: boolean;
  /** Clinical protocols the host spoke in this analysis (`hl7`, `dicom`...): it carries a workflow. */
  workflows: readonly string[];
}

export interface DeviceContext {
  device(ip: string, mac: string | null): DeviceInfo | null;
}

/** Fact prefixes that mark a host as part of a clinical workflow. */
export const CLINICAL_PROTOCOLS: ReadonlySet<string> = new Set(['hl7', 'dicom', 'astm', 'poct1a', 'intellivue', 'sdc']);

/** Clinical protocols per IP, gathered from first sightings during the analysis. */
export class FactContext implements DeviceContext {
  private readonly protocols = new Map<string, Set<string>>();

  note(ip: string, protocol: string): void {
    let s = this.protocols.get(ip);
    if (!s) this.protocols.set(ip, (s = new Set()));
    s.add(protocol);
  }

  device(ip: string): DeviceInfo | null {
    const s = this.protocols.get(ip);
    if (!s) return null;
    return { deviceId: null, category: null, safetyImpact: null, medical: true, workflows: [...s].sort() };
  }
}

export interface InventoryDevice {
  deviceId: number;
  category: string | null;
}

/** Inventory devices (by `ip:` and `mac:` identifier) with the taxonomy; facts fill in what the inventory lacks. */
export class InventoryContext implements DeviceContext {
  constructor(
    private readonly byIdentifier: ReadonlyMap<string, InventoryDevice>,
    private readonly taxonomy: Taxonomy,
    private readonly facts: DeviceContext,
  ) {}

  device(ip: string, mac: string | null): DeviceInfo | null {
    const fromFacts = this.facts.device(ip, mac);
    const d = (mac ? this.byIdentifier.get(`mac:${mac}`) : undefined) ?? this.byIdentifier.get(`ip:${ip}`);
    if (!d) return fromFacts;
    const category = d.category ? this.taxonomy.category(d.category) : undefined;
    return {
      deviceId: d.deviceId,
      category: d.category,
      safetyImpact: category?.safetyImpact ?? null,
      medical: (category?.medical ?? false) || (fromFacts?.medical ?? false),
      workflows: fromFacts?.workflows ?? [],
    };
  }
}

export const NO_CONTEXT: DeviceContext = { device: () => null };
