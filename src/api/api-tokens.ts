/**
 * API tokens: random secrets shown once, stored as SHA-256 hashes, each with a role. A role grants
 * everything the roles below it grant: a viewer reads, an analyst also changes alert states and
 * exports packets, an admin also manages tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { ApiRole, ApiTokenTable } from '../store/schema.js';
import type { InventoryStore } from '../store/inventory-store.js';

export const ROLES: readonly ApiRole[] = ['viewer', 'analyst', 'admin'];
export const roleRank = (r: ApiRole): number => ROLES.indexOf(r);

export type ApiToken = Selectable<ApiTokenTable>;

/** A prefix makes leaked tokens easy to find in logs and secret scanners. */
const PREFIX = 'vgl_';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createToken(store: InventoryStore, name: string, role: ApiRole, ttlSeconds?: number): Promise<{ token: string; id: number }> {
  if (!ROLES.includes(role)) throw new Error(`unknown role "${role}" (viewer, analyst or admin)`);
  const token = PREFIX + randomBytes(32).toString('base64url');
  const now = Date.now() / 1000;
  const row = await store.db
    .insertInto('api_tokens')
    .values({ name, role, hash: hashToken(token), created_at: now, expires_at: ttlSeconds ? now + ttlSeconds : null, revoked_at: null, last_used_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: Number(row.id) };
}

export type TokenCheck = { ok: true; token: ApiToken } | { ok: false; reason: string };

export async function checkToken(store: InventoryStore, presented: string): Promise<TokenCheck> {
  if (!presented.startsWith(PREFIX)) return { ok: false, reason: 'not a Vigil API token' };
  const row = await store.db.selectFrom('api_tokens').selectAll().where('hash', '=', hashToken(presented)).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown token' };
  const now = Date.now() / 1000;
  if (row.revoked_at !== null) return { ok: false, reason: 'token revoked' };
  if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: 'token expired' };
  return { ok: true, token: row };
}

export async function touchToken(store: InventoryStore, id: number): Promise<void> {
  await store.db.updateTable('api_tokens').set({ last_used_at: Date.now() / 1000 }).where('id', '=', id).execute();
}

export async function listTokens(store: InventoryStore) {
  return store.db.selectFrom('api_tokens').select(['id', 'name', 'role', 'created_at', 'expires_at', 'revoked_at', 'last_used_at']).orderBy('id').execute();
}

export async function revokeToken(store: InventoryStore, id: number): Promise<boolean> {
  const r = await store.db.updateTable('api_tokens').set({ revoked_at: Date.now() / 1000 }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function hasActiveAdmin(store: InventoryStore): Promise<boolean> {
  const row = await store.db.selectFrom('api_tokens').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}
