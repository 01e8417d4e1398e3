// Identity on several nodes (services/cluster/README.md): what a node does when another node changed
// identity, and the store look-up that lets a token issued on another node work here at once.
import { memberKey } from './cache.js';
import type { IdentityContext } from './context.js';
import { loadSystems } from './systems.js';
import { hashToken } from './secrets.js';
import { dropTokens } from './tokens.js';

/** How many unknown token hashes are remembered as unknown (a token cannot exist before it is issued). */
const MISS_MEMORY = 10_000;

/** Drops the cached tokens of `systemKey` (null: developers') that the store no longer has live. */
async function reconcileTokens(ctx: IdentityContext, systemKey: string | null): Promise<void> {
  const cached = ctx.cache.tokensOfSystem(systemKey);
  if (cached.length === 0) return;
  const live = new Set<string>();
  for (let i = 0; i < cached.length; i += 500) {
    const rows = await ctx.store.db
      .selectFrom('tokens')
      .select('token_hash')
      .where('token_hash', 'in', cached.slice(i, i + 500))
      .where('revoked_at', 'is', null)
      .execute();
    for (const r of rows) live.add(r.token_hash);
  }
  dropTokens(
    ctx,
    cached.filter((h) => !live.has(h)),
  );
}

/**
 * Re-reads what another node changed: one system (roles, members, users, its tokens), or with '*' the
 * list of systems and the developers' tokens.
 */
export async function reloadFromStore(ctx: IdentityContext, systemKey: string): Promise<void> {
  if (systemKey !== '*') {
    await loadSystems(ctx, systemKey);
    await reconcileTokens(ctx, systemKey);
    return;
  }
  const rows = await ctx.store.db.selectFrom('systems').select('system_key').execute();
  const inStore = new Set(rows.map((r) => r.system_key));
  for (const known of [...ctx.cache.systems.keys()]) if (!inStore.has(known)) await loadSystems(ctx, known);
  for (const key of inStore) if (!ctx.cache.systems.has(key)) await loadSystems(ctx, key);
  await reconcileTokens(ctx, null);
}

/**
 * The store look-up behind a cache miss (cluster mode): a token issued on another node works here at once,
 * and so do the system it names and the user or device it belongs to, though the change feed that
 * announces them may still be on its way (a system or user created on node A a moment ago).
 * Only a live token opens a system read, so made-up requests cost at most one token read.
 */
export function createTokenLookup(
  ctx: IdentityContext,
): (token: string, systemKey?: string) => Promise<void> {
  /** Reads one system from the store when this node does not know it yet, or not this member of it. */
  const ensureSystem = async (systemKey: string, member?: string) => {
    const known = ctx.cache.systems.has(systemKey);
    if (known && (member === undefined || ctx.cache.state(systemKey).members.has(member))) return;
    if (!known) {
      const row = await ctx.store.db
        .selectFrom('systems')
        .select('system_key')
        .where('system_key', '=', systemKey)
        .executeTakeFirst();
      if (row === undefined) return;
    }
    await loadSystems(ctx, systemKey);
  };
  const misses = new Set<string>();
  const developerEmail = async (id: string) =>
    (await ctx.store.db.selectFrom('developers').select('email').where('id', '=', id).executeTakeFirst())
      ?.email ?? '';
  /** Adds the live token of `hash` from the store to the cache; false when the store has none. */
  const lookup = async (token: string, hash: string): Promise<boolean> => {
    if (ctx.cache.token(hash) !== undefined) return true;
    if (misses.has(hash)) return false;
    const row = await ctx.store.db
      .selectFrom('tokens')
      .select(['token_hash', 'kind', 'subject_id', 'system_key', 'expires_at'])
      .where('token_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) {
      // Remembered so a flood of made-up tokens costs one read each at most once; bounded memory.
      if (misses.size >= MISS_MEMORY) misses.clear();
      misses.add(hash);
      return false;
    }
    if (ctx.cache.token(hash) !== undefined) return true;
    const name =
      row.kind === 'developer'
        ? await developerEmail(row.subject_id)
        : row.kind === 'device'
          ? row.subject_id
          : '';
    ctx.cache.addToken({
      hash,
      kind: row.kind,
      subjectId: row.subject_id,
      name,
      systemKey: row.system_key,
      expiresAt: row.expires_at,
      raw: token,
    });
    // A user's or device's token needs its membership loaded; an anon token is no member (asking for one
    // would re-read the whole system for every new anon token).
    if (row.system_key !== null && row.kind !== 'developer')
      await ensureSystem(
        row.system_key,
        row.kind === 'anon' ? undefined : memberKey(row.kind, row.subject_id),
      );
    return true;
  };
  return async (token, systemKey) => {
    // Hashed once per request; only a live token opens a system read.
    const live = await lookup(token, hashToken(token));
    if (live && systemKey !== undefined && systemKey !== '') await ensureSystem(systemKey);
  };
}
