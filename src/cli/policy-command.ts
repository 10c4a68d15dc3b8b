import { recogniseWorkflows } from '../graph/workflows.js';
import { buildPolicy } from '../policy/allowlist.js';
import { formatPolicy, POLICY_FORMATS, type PolicyFormat } from '../policy/policy-formats.js';
import { replayPolicy } from '../policy/policy-replay.js';
import { InventoryStore } from '../store/inventory-store.js';
import { findDevice } from '../inventory/find-device.js';
import { defaultDbLocation } from './db-location.js';

const GROUP = /^(category|zone|role):(.+)$/;

/** `vigil policy <device|group>`: the allowlist of a device's (or a group's) clinical conversations, verified by replay. */
export async function policyCommand(target: string, options: { db?: string; format?: string }): Promise<number> {
  const format = (options.format ?? 'json') as PolicyFormat;
  if (!POLICY_FORMATS.includes(format)) {
    process.stderr.write(`vigil policy: --format is one of ${POLICY_FORMATS.join(', ')} (got "${options.format}")\n`);
    return 2;
  }
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    let ids: number[];
    let name: string;
    const group = GROUP.exec(target);
    if (group) {
      const [, field, value] = group;
      ids = (await store.db.selectFrom('devices').select('id').where(field as 'category', '=', value).execute()).map((r) => Number(r.id));
      name = `${field} ${value}`;
    } else {
      const id = await findDevice(store, target);
      ids = id === null ? [] : [id];
      name = target;
    }
    if (ids.length === 0) {
      process.stderr.write(`vigil policy: nothing matches "${target}" in ${store.location} (a device id, IP, MAC or hostname, or category:ID, zone:ID, role:ID)\n`);
      return 2;
    }
    const policy = await buildPolicy(store, name, ids, await recogniseWorkflows(store));
    const replay = await replayPolicy(store, policy);
    const header = [
      `Vigil allowlist for ${name}: ${policy.members.length} device(s), ${policy.allow.length} allowed conversations, generated ${new Date().toISOString()}`,
      `Replay of the observed conversations: clinical and infrastructure ${replay.clinical.conversations} (${replay.clinical.flows} flows), blocked ${replay.clinical.blocked}`,
      `  other observed conversations stopped: ${replay.other.blocked} of ${replay.other.conversations}${policy.denied.length ? ` (${policy.denied.slice(0, 5).map((d) => `${d.from.label} -> ${d.to.label} ${d.transport}/${d.port}`).join('; ')}${policy.denied.length > 5 ? '; ...' : ''})` : ''}`,
      `  attack paths to the device(s) cut: ${replay.attackPaths.cut} of ${replay.attackPaths.paths}`,
    ];
    if (format === 'json') process.stdout.write(JSON.stringify({ policy, replay }, null, 2) + '\n');
    else process.stdout.write(formatPolicy(policy, format, header) + '\n');
    return replay.clinical.blocked > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}
