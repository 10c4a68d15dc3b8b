import { findDevice } from '../inventory/find-device.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryStore } from '../store/inventory-store.js';
import { assessVulnerabilities, readDeviceVulnerabilities, type DeviceVulnerability } from '../vuln/assess.js';
import { importKnowledgeBase } from '../vuln/kb-import.js';
import { CONFIDENCE_ORDER as CONFIDENCE } from '../vuln/product-match.js';
import { kbStatus } from '../vuln/kb-store.js';
import { deviceVex } from '../vuln/vex.js';
import { defaultDbLocation } from './db-location.js';

/** Errors listed per file before "... and N more": a feed with thousands of bad rows stays readable. */
const ERRORS_SHOWN = 5;

export async function kbImportCommand(paths: string[], options: { db?: string; json?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const s = await importKnowledgeBase(store, paths);
    if (options.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    } else {
      for (const f of s.files) {
        if (f.skipped) continue;
        if (f.format) process.stdout.write(`${f.format.padEnd(5)} ${f.file}: ${f.entries} entries, ${f.cves} CVEs, ${f.products} products${f.errors.length ? `, ${f.errors.length} errors` : ''}\n`);
        for (const e of f.errors.slice(0, ERRORS_SHOWN)) process.stderr.write(`vigil kb import: ${e}\n`);
        if (f.errors.length > ERRORS_SHOWN) process.stderr.write(`vigil kb import: ${f.file}: ... and ${f.errors.length - ERRORS_SHOWN} more errors\n`);
      }
      const skipped = s.files.filter((f) => f.skipped).length;
      const total = await kbStatus(store);
      process.stdout.write(`Imported ${s.files.length - skipped} files: ${s.entries} entries, ${s.products} products, ${s.errors} errors${skipped ? `; ${skipped} skipped` : ''} -> ${store.location} now holds ${total.vulnerabilities} CVEs (${total.kev} in KEV), ${total.products} product rows\n`);
    }
    // Errors in some entries are reported, not fatal: the rest was imported.
    return s.files.length > 0 && s.files.every((f) => f.format === null && !f.skipped) ? 2 : 0;
  } finally {
    await store.close();
  }
}

export async function kbStatusCommand(options: { db?: string; json?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const s = await kbStatus(store);
    if (options.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`Knowledge base in ${store.location}: ${s.vulnerabilities} CVEs (${s.kev} in CISA KEV, ${s.withEpss} with EPSS), ${s.products} affected-product rows of ${s.vendors} vendors\n`);
    const byFormat = new Map<string, typeof s.sources>();
    for (const src of s.sources) byFormat.set(src.format, [...(byFormat.get(src.format) ?? []), src]);
    for (const [format, list] of byFormat) {
      const latest = list.map((x) => x.published ?? '').sort().at(-1);
      const imported = list.map((x) => x.importedAt).sort().at(-1);
      const errors = list.reduce((n, x) => n + x.errors.length, 0);
      process.stdout.write(`  ${format.padEnd(5)} ${String(list.length).padStart(4)} files, ${list.reduce((n, x) => n + x.entries, 0)} entries, newest published ${latest || 'unknown'}, last imported ${imported}${errors ? `, ${errors} errors` : ''}\n`);
      if (list.length <= 3) for (const x of list) process.stdout.write(`        ${x.file}\n`);
    }
    if (s.sources.length === 0) process.stdout.write('  no feeds imported yet: vigil kb import <files or folders>\n');
    return 0;
  } finally {
    await store.close();
  }
}


function byDevice(findings: readonly DeviceVulnerability[]): Map<number, DeviceVulnerability[]> {
  const out = new Map<number, DeviceVulnerability[]>();
  for (const f of findings) {
    const list = out.get(f.deviceId);
    if (list) list.push(f);
    else out.set(f.deviceId, [f]);
  }
  return out;
}

function pathText(f: DeviceVulnerability): string[] {
  return (f.exploitability.reach?.paths ?? []).map((p) =>
    p.hops.length === 0 ? `      from ${p.from}: the device is an entry point` : `      from ${p.from}: ${[p.hops[0].from.label, ...p.hops.map((h) => `-[${h.services.join(', ')}]-> ${h.to.label}`)].join(' ')}`,
  );
}

export async function vulnsCommand(options: { db?: string; device?: string; json?: boolean; vex?: string; all?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    let deviceId: number | undefined;
    if (options.device) {
      const id = await findDevice(store, options.device);
      if (id === null) {
        process.stderr.write(`vigil vulns: no device "${options.device}" in ${store.location} (give an inventory id, IP, MAC or hostname)\n`);
        return 2;
      }
      deviceId = id;
    }
    const summary = await assessVulnerabilities(store);
    const findings = await readDeviceVulnerabilities(store, deviceId);
    if (options.vex) {
      const groups = byDevice(findings);
      if (deviceId !== undefined) {
        const dev = findings[0]?.device ?? (await store.devicesById([deviceId])).map((d) => ({ id: Number(d.id), label: d.hostname ?? d.ip ?? d.mac ?? String(d.id), vendor: d.vendor, model: d.model, firmware: d.firmware, category: d.category, zone: d.zone }))[0];
        writeFileSync(options.vex, JSON.stringify(deviceVex(dev, groups.get(deviceId) ?? []), null, 2) + '\n');
      } else {
        // One VEX document per device: CycloneDX VEX describes one product (here, one device).
        mkdirSync(options.vex, { recursive: true });
        for (const [id, list] of groups) writeFileSync(join(options.vex, `device-${id}.cdx.json`), JSON.stringify(deviceVex(list[0].device, list), null, 2) + '\n');
      }
    }
    if (options.json) {
      process.stdout.write(JSON.stringify({ summary, findings }, null, 2) + '\n');
      return 0;
    }
    if (summary.kbEmpty) process.stdout.write('No vulnerability knowledge base in this store yet: run `vigil kb import <files or folders>`.\n');
    const d = summary.byDecision;
    process.stdout.write(
      `${summary.findings} findings on ${summary.devicesAffected} of ${summary.devices} devices: ${d.immediate} immediate, ${d['out-of-cycle']} out-of-cycle, ${d.scheduled} scheduled, ${d.defer} defer; ${summary.byVexState.not_affected} not affected (service not in use), ${summary.byVexState.in_triage} in triage\n`,
    );
    if (deviceId === undefined) {
      // Site-wide: one line per vulnerability with the devices it was found on, most urgent first.
      const byCve = new Map<string, DeviceVulnerability[]>();
      for (const f of findings) byCve.set(f.cve, [...(byCve.get(f.cve) ?? []), f]);
      const rows = [...byCve.values()].filter((list) => options.all || list.some((f) => f.decision !== 'defer'));
      process.stdout.write(`\n  ${'decision'.padEnd(12)} ${'CVE'.padEnd(16)} CVSS ${'vector'.padEnd(8)} KEV ${'devices'.padStart(7)}  ${'best match'.padEnd(15)} title\n`);
      for (const list of rows) {
        const f = list[0];
        const worst = list.filter((x) => x.decision === f.decision).length;
        const best = list.map((x) => x.confidence).sort((a, b) => CONFIDENCE.indexOf(a) - CONFIDENCE.indexOf(b))[0];
        const cats = [...new Set(list.map((x) => x.device.category ?? '?'))].slice(0, 3).join(', ');
        process.stdout.write(`  ${f.decision.padEnd(12)} ${f.cve.padEnd(16)} ${String(f.cvss.score ?? '-').padStart(4)} ${(f.attackVector ?? '?').padEnd(8)} ${f.kev ? 'KEV' : '   '} ${String(list.length).padStart(7)}  ${best.padEnd(15)} ${f.title ?? ''} [${cats}${worst < list.length ? `; ${worst} ${f.decision}, the rest lower` : ''}]\n`);
      }
      const hidden = byCve.size - rows.length;
      if (hidden) process.stdout.write(`\n(${hidden} vulnerabilities deferred on every device are not listed: --all lists them; --device D explains one device)\n`);
      return 0;
    }
    for (const list of byDevice(findings).values()) {
      const dev = list[0].device;
      process.stdout.write(`\n${dev.label}  ${[dev.vendor, dev.model, dev.firmware].filter(Boolean).join(' ')}  ${dev.category ?? ''}  zone ${dev.zone ?? '?'}\n`);
      for (const f of list) {
        process.stdout.write(`  ${f.decision.padEnd(12)} ${f.cve.padEnd(16)} ${String(f.cvss.score ?? '-').padStart(4)} ${(f.attackVector ?? '?').padEnd(8)} ${f.kev ? 'KEV ' : '    '}${f.confidence.padEnd(15)} ${f.vexState.padEnd(12)} ${f.title ?? ''}\n`);
        for (const [name, point] of Object.entries(f.decisionPoints)) process.stdout.write(`      ${name}: ${point.value} - ${point.reason}\n`);
        const svc = f.exploitability.service;
        if (svc) process.stdout.write(`      service: ${svc.status}${svc.rules.length ? ` (needs ${svc.rules.join(', ')})` : ''}${svc.inUse.length ? `; in use: ${svc.inUse.join(', ')}` : ''}${svc.listening.length ? `; listening: ${svc.listening.join(', ')}` : ''}\n`);
        for (const e of f.evidence.slice(0, 2)) process.stdout.write(`      matched: ${e.vendor} ${e.product} [${e.versions ?? 'all versions'}] ${e.advisory ?? ''}: ${e.test}\n`);
        for (const line of pathText(f)) process.stdout.write(line + '\n');
        const fix = f.remediations.find((r) => r.category === 'vendor_fix');
        if (fix) process.stdout.write(`      vendor fix: ${fix.details.replace(/\s+/g, ' ').slice(0, 200)}\n`);
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}
