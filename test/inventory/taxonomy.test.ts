import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAFETY_IMPACTS, Taxonomy } from '../../src/inventory/taxonomy.js';

const ROOT = join(import.meta.dirname, '../..');

/** The category ids the inventory, the simulator and the risk model share (Vigil issue 6). */
const CATEGORY_IDS = [
  'infusion-pump', 'pump-server', 'patient-monitor', 'central-station', 'ventilator', 'anaesthesia-machine', 'imaging-ct',
  'imaging-mr', 'imaging-us', 'imaging-dx', 'imaging-cr', 'imaging-mg', 'imaging-nm', 'imaging-xa', 'pacs', 'ris',
  'modality-worklist', 'lab-analyzer', 'lis', 'hl7-engine', 'ehr', 'poct-device', 'medical-gateway', 'workstation', 'server',
  'printer', 'voip-phone', 'network', 'building-controller', 'badge-reader', 'camera', 'guest', 'iot',
];

describe('Taxonomy', () => {
  const taxonomy = Taxonomy.load();

  it('has exactly the shared category ids, each described', () => {
    expect(taxonomy.categories.map((c) => c.id).sort()).toEqual([...CATEGORY_IDS].sort());
    for (const c of taxonomy.categories) {
      expect(SAFETY_IMPACTS).toContain(c.safetyImpact);
      expect(c.label.length, c.id).toBeGreaterThan(2);
      expect(c.clinicalFunction.length, c.id).toBeGreaterThan(10);
      expect(c.workflows.length, c.id).toBeGreaterThan(0);
      expect(taxonomy.category(c.id)).toBe(c);
    }
    expect(taxonomy.category('toaster')).toBeUndefined();
  });

  it('rates what keeps patients alive above what does not, and knows where PHI is', () => {
    for (const id of ['infusion-pump', 'ventilator', 'patient-monitor', 'anaesthesia-machine']) {
      expect(taxonomy.category(id)?.safetyImpact, id).toBe('life-sustaining');
      expect(taxonomy.category(id)?.medical, id).toBe(true);
    }
    for (const id of ['guest', 'network', 'building-controller', 'camera']) {
      expect(taxonomy.category(id)?.safetyImpact, id).toBe('non-clinical');
      expect(taxonomy.category(id)?.holdsPhi, id).toBe(false);
    }
    for (const id of ['pacs', 'ris', 'lis', 'ehr', 'hl7-engine', 'modality-worklist']) {
      expect(taxonomy.category(id)?.holdsPhi, id).toBe(true);
      expect(taxonomy.category(id)?.movesPhi, id).toBe(true);
    }
    // The imaging workflow in order: worklist, acquisition, storage to PACS.
    const ct = taxonomy.category('imaging-ct')!.workflows.join(' | ');
    expect(ct.indexOf('worklist')).toBeLessThan(ct.indexOf('acquisition'));
    expect(ct.indexOf('acquisition')).toBeLessThan(ct.indexOf('C-STORE'));
  });

  it('gives every role an existing category, and allows every (role, category) pair of the demo ground truth', () => {
    for (const r of taxonomy.roles) {
      expect(taxonomy.category(r.category), r.id).toBeDefined();
      expect(r.categories[0], r.id).toBe(r.category);
      for (const c of r.categories) expect(taxonomy.category(c), `${r.id} -> ${c}`).toBeDefined();
      expect(taxonomy.role(r.id)).toBe(r);
    }
    const truth = JSON.parse(readFileSync(join(ROOT, 'data/demo/hospital-demo.truth.json'), 'utf8')) as {
      devices: { id: string; role: string; category: string }[];
    };
    expect(truth.devices.length).toBeGreaterThan(100);
    for (const d of truth.devices) {
      const role = taxonomy.role(d.role);
      expect(role, `${d.id}: role ${d.role}`).toBeDefined();
      expect(role!.categories, `${d.id}: ${d.role} as ${d.category}`).toContain(d.category);
    }
  });

  it('rejects a bad taxonomy naming the file, the entry and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-taxonomy-'));
    try {
      const file = join(dir, 'taxonomy.json');
      const category = { id: 'pacs', label: 'PACS', clinicalFunction: 'Stores images.', safetyImpact: 'clinical-support', holdsPhi: true, movesPhi: true, workflows: ['C-STORE'], medical: true };
      const role = { id: 'archive', label: 'Archive', category: 'pacs', description: 'Keeps images.' };
      writeFileSync(file, JSON.stringify({ categories: [category], roles: [role] }));
      expect(Taxonomy.load(file).role('archive')?.categories).toEqual(['pacs']);

      writeFileSync(file, JSON.stringify({ categories: [category], roles: [{ ...role, category: 'toaster' }] }));
      expect(() => Taxonomy.load(file)).toThrow(`${file}: roles[0] (archive): unknown category "toaster"`);
      writeFileSync(file, JSON.stringify({ categories: [{ ...category, safetyImpact: 'mild' }], roles: [] }));
      expect(() => Taxonomy.load(file)).toThrow(/categories\[0\] \(pacs\): "safetyImpact" must be one of/);
      writeFileSync(file, JSON.stringify({ categories: [category, category], roles: [] }));
      expect(() => Taxonomy.load(file)).toThrow('duplicate id "pacs"');
      writeFileSync(file, JSON.stringify({ categories: [{ ...category, holdsPhi: 'yes' }], roles: [] }));
      expect(() => Taxonomy.load(file)).toThrow('"holdsPhi" must be true or false');
      writeFileSync(file, JSON.stringify({ categories: [{ ...category, id: 'PACS' }], roles: [] }));
      expect(() => Taxonomy.load(file)).toThrow('categories[0]: "id"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
