#!/usr/bin/env bash
# Regenerates knowledge/fingerprints/fingerbank-dhcp.json: fingerprint rules derived from Fingerbank's open
# DHCP database (v6.8.2, 2014-06-09, Inverse inc.; ODbL 1.0, contents DbCL 1.0): each option-55 parameter
# request list (and each option-60 vendor class) that Fingerbank ties to one device family becomes a rule
# setting our os or category. A list Fingerbank gives to several families yields only what they share.
# Usage: scripts/make-fingerbank-rules.sh [folder holding dhcp_fingerprints.conf and startup_fingerprints.csv [output]]
# (default ../shared/knowledge/fingerprints/fingerbank; relative paths from the repository root). Idempotent: same inputs, same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${2:-knowledge/fingerprints/fingerbank-dhcp.json}
src=${1:-../shared/knowledge/fingerprints/fingerbank}
for f in dhcp_fingerprints.conf startup_fingerprints.csv; do
  [ -r "$src/$f" ] || { echo "missing $src/$f" >&2; exit 1; }
done
node --input-type=module - "$src" "$out" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
const [src, out] = process.argv.slice(2);
const conf = readFileSync(`${src}/dhcp_fingerprints.conf`, 'utf8');
const csv = readFileSync(`${src}/startup_fingerprints.csv`, 'utf8');

// Fingerbank class -> what it says in Vigil's terms. `os: true`: the OS entry's description is an OS name.
// Left out: Dead OSes (16), Network Boot Agents (17) and CD-Based OSes (18): their 2014 parameter lists
// collide with today's clients (a Raspberry Pi's dhcpcd asks for Novell NetWare's list) and the systems
// themselves are transient or gone; and Misc (15), which says nothing.
const CLASS_MAP = {
  1: { os: true }, 2: { os: true }, 5: { os: true }, 14: { os: true }, 19: { os: true }, 11: { os: true },
  3: { category: 'voip-phone', role: 'voip-phone' },
  4: { category: 'network' },
  9: { category: 'network', role: 'switch' },
  8: { category: 'printer', role: 'printer' },
  25: { category: 'printer' },
  6: { category: 'iot' }, 7: { category: 'iot' }, 12: { category: 'iot' }, 13: { category: 'iot' },
  20: { category: 'iot' }, 24: { category: 'iot' },
  10: { category: 'server' }, 23: { category: 'server' },
  21: { category: 'workstation' },
  22: { category: 'badge-reader' },
};
const CONFIDENCE = 0.5;
// A signature Fingerbank knows from one device family only is often a generic stack's default
// (busybox udhcpc's 1,3,6,12,15,28,42 is listed once, as a NAS): weaker than one several agree on.
const SINGLE_FAMILY_CONFIDENCE = 0.3;

const classes = [];
for (const m of conf.matchAll(/^\[class (\d+)\]\ndescription=(.*)\nmembers=(.*)$/gm)) {
  const ranges = m[3].split(',').map((r) => r.split('-').map(Number));
  classes.push({ id: Number(m[1]), name: m[2].trim(), ranges });
}
// Later classes list exceptions ("Dead OSes" takes 102-106 from Windows): the last match wins.
const classOf = (osId) => {
  let found = null;
  for (const c of classes) if (c.ranges.some(([a, b]) => osId >= a && osId <= (b ?? a))) found = c;
  return found;
};

const oses = new Map();
for (const block of conf.split(/\n(?=\[)/)) {
  const m = /^\[os (\d+)\]\ndescription=(.*)$/m.exec(block);
  if (!m) continue;
  const id = Number(m[1]);
  const list = (name) => (new RegExp(`${name}=<<EOT\\n([\\s\\S]*?)EOT`).exec(block)?.[1] ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
  oses.set(id, { id, description: m[2].trim(), cls: classOf(id), fingerprints: list('fingerprints'), vendorIds: list('vendor_id') });
}
const byDescription = new Map([...oses.values()].map((o) => [o.description, o]));

const byFingerprint = new Map();
const byVendorId = new Map();
const add = (map, key, os) => {
  if (!map.has(key)) map.set(key, new Map());
  map.get(key).set(os.id, os);
};
for (const os of oses.values()) {
  for (const fp of os.fingerprints) if (/^\d+(,\d+)*$/.test(fp)) add(byFingerprint, fp, os);
  for (const v of os.vendorIds) add(byVendorId, v, os);
}
let csvAdded = 0;
for (const line of csv.split('\n')) {
  const [fp, description] = line.split('|').map((s) => s?.trim());
  const os = description ? byDescription.get(description) : undefined;
  if (!os || !/^\d+(,\d+)*$/.test(fp)) continue;
  if (!byFingerprint.get(fp)?.has(os.id)) csvAdded++;
  add(byFingerprint, fp, os);
}

/** What every family giving this signature agrees on. */
function then(families) {
  const maps = families.map((o) => (o.cls ? CLASS_MAP[o.cls.id] : undefined));
  if (maps.some((m) => m === undefined)) return null;
  const result = {};
  if (maps.every((m) => m.os) && new Set(families.map((o) => o.description)).size === 1) result.os = families[0].description;
  for (const attr of ['category', 'role']) {
    const values = new Set(maps.map((m) => m[attr]));
    if (values.size === 1 && [...values][0] !== undefined) result[attr] = [...values][0];
  }
  return Object.keys(result).length > 0 ? result : null;
}

const rules = [];
const emit = (map, key, prefix) => {
  for (const [value, families] of [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const list = [...families.values()].sort((a, b) => a.id - b.id);
    const t = then(list);
    if (t === null) continue;
    rules.push({
      id: `${prefix}-${String(rules.length + 1).padStart(4, '0')}`,
      when: [{ key, equals: value }],
      then: t,
      confidence: list.length >= 2 ? CONFIDENCE : SINGLE_FAMILY_CONFIDENCE,
      source: `Fingerbank 6.8.2 dhcp_fingerprints.conf: ${list.map((o) => `os ${o.id} "${o.description}" (class ${o.cls.name})`).join('; ')}`,
    });
  }
};
emit(byFingerprint, 'dhcp.param_request_list', 'fingerbank-dhcp55');
emit(byVendorId, 'dhcp.vendor_class', 'fingerbank-dhcp60');

const doc = {
  $comment: 'GENERATED by scripts/make-fingerbank-rules.sh from Fingerbank\'s open DHCP fingerprint database; do not edit. One rule per DHCP option-55 list or option-60 vendor class that Fingerbank ties to device families agreeing on an OS or a category.',
  licence: 'This file is a derived database of FingerBank (Copyright (C) 2008-2014 Inverse inc.), made available under the Open Database License 1.0 (http://opendatacommons.org/licenses/odbl/1.0/); its contents under the Database Contents License 1.0 (http://opendatacommons.org/licenses/dbcl/1.0/). It is itself available under the ODbL 1.0.',
  attribution: 'FingerBank v6.8.2 (2014-06-09), https://fingerbank.org, via github.com/karottc/fingerbank commit e2aa41d0514435d454287dd31bf4d34fa750c73a',
  rules,
};
writeFileSync(out, JSON.stringify(doc, null, 1).replace(/\n {3,}/g, ' ').replace(/\n  \}/g, ' }') + '\n');
console.log(`${out}: ${rules.length} rules from ${oses.size} Fingerbank OS entries (${csvAdded} fingerprints only in the CSV)`);
JS
