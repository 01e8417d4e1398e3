// Issuing, verifying and revoking tokens. The store keeps only sha256 hashes; the cache answers
// `verify` without a disk read.
import type { Transaction } from 'kysely';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Database } from '../store/index.js';
import type { IdentityContext } from './context.js';
import { hashToken, newToken } from './secrets.js';
import type { LoginResult, Principal, PrincipalKind } from './types.js';

export interface TokenSubject {
  readonly kind: PrincipalKind;
  readonly subjectId: string;
  readonly name: string;
  readonly systemKey: string | null;
}

/** Writes a new token for `subject` inside `trx`; call the returned `commit` after the transaction commits. */
export async function insertToken(
  ctx: IdentityContext,
  trx: Transaction<Database>,
  subject: TokenSubject,
  ttlSeconds: number,
): Promise<{ result: LoginResult; commit: () => void }> {
  const token = newToken();
  const hash = hashToken(token);
  const now = ctx.clock.now();
  const expiresAt = now + ttlSeconds * 1000;
  await trx
    .insertInto('tokens')
    .values({
      token_hash: hash,
      kind: subject.kind,
      subject_id: subject.subjectId,
      system_key: subject.systemKey,
      issued_at: now,
      expires_at: expiresAt,
      revoked_at: null,
    })
    .execute();
  return {
    result: { token, expiresAt, id: subject.subjectId },
    commit: () => {
      if (ctx.cache.sweepDue()) ctx.cache.pruneExpired(now);
      ctx.cache.addToken({ hash, ...subject, expiresAt, raw: token });
    },
  };
}

/** Issues a token in its own transaction. */
export async function issueToken(
  ctx: IdentityContext,
  subject: TokenSubject,
  ttlSeconds: number,
): Promise<LoginResult> {
  const { result, commit } = await ctx.store.transaction((trx) => insertToken(ctx, trx, subject, ttlSeconds));
  commit();
  return result;
}

/** Memory-only check of a token: unknown or revoked → INVALID, past its expiry → EXPIRED. */
export function verifyToken(ctx: IdentityContext, token: string): Principal {
  const entry = ctx.cache.token(hashToken(token));
  if (entry === undefined) throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
  if (entry.expiresAt <= ctx.clock.now()) throw new IsobarError('CB_ERR_AUTH_EXPIRED_TOKEN');
  entry.raw ??= token;
  const name =
    entry.kind === 'user' && entry.systemKey !== null
      ? (ctx.cache.state(entry.systemKey).users.get(entry.subjectId) ?? entry.name)
      : entry.name;
  return {
    kind: entry.kind,
    id: entry.subjectId,
    name,
    systemKey: entry.systemKey,
    token,
    expiresAt: entry.expiresAt,
  };
}

/** Drops revoked token hashes from memory and closes the connections that used them (here or from another node). */
export function dropTokens(ctx: IdentityContext, hashes: readonly string[]): void {
  const raw = ctx.cache.removeTokens(hashes);
  if (raw.length > 0) ctx.events.emit('tokens.revoked', { tokens: raw });
}

/**
 * Marks in `trx` the given live token hashes revoked; call the returned `commit` after the transaction
 * commits to drop them from memory and announce `tokens.revoked`.
 */
export async function revokeHashes(
  ctx: IdentityContext,
  trx: Transaction<Database>,
  hashes: readonly string[],
): Promise<() => void> {
  const now = ctx.clock.now();
  for (let i = 0; i < hashes.length; i += 500) {
    await trx
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('token_hash', 'in', hashes.slice(i, i + 500))
      .where('revoked_at', 'is', null)
      .execute();
  }
  return () => {
    const { changes } = ctx;
    if (changes === undefined || hashes.length === 0) return dropTokens(ctx, hashes);
    // The systems whose tokens these were (read before the drop forgets them): their change counters
    // move, so a node that missed the announcement drops the tokens at its next catch-up (cluster/feed.ts).
    const systems = new Set(hashes.map((h) => ctx.cache.token(h)?.systemKey ?? '*'));
    dropTokens(ctx, hashes);
    changes.revoked(hashes);
    for (const systemKey of systems) changes.changed(systemKey);
  };
}

/** Revokes every live token of one subject inside `trx`; same commit protocol as `revokeHashes`. */
export function revokeSubject(
  ctx: IdentityContext,
  trx: Transaction<Database>,
  kind: PrincipalKind,
  systemKey: string | null,
  subjectId: string,
): Promise<() => void> {
  return revokeHashes(ctx, trx, ctx.cache.tokensOf(kind, systemKey, subjectId));
}

/** Revokes one token (logout); unknown tokens are already as good as revoked. */
export async function revokeToken(ctx: IdentityContext, token: string): Promise<void> {
  const hash = hashToken(token);
  if (ctx.cache.token(hash) === undefined) return;
  const commit = await ctx.store.transaction((trx) => revokeHashes(ctx, trx, [hash]));
  commit();
}

/** Fills the cache with every unexpired, unrevoked token (start-up). */
export async function loadTokens(ctx: IdentityContext): Promise<void> {
  const rows = await ctx.store.db
    .selectFrom('tokens')
    .select(['token_hash', 'kind', 'subject_id', 'system_key', 'expires_at'])
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', ctx.clock.now())
    .execute();
  const devs = new Map(
    (await ctx.store.db.selectFrom('developers').select(['id', 'email']).execute()).map((d) => [
      d.id,
      d.email,
    ]),
  );
  for (const r of rows) {
    const name =
      r.kind === 'developer' ? (devs.get(r.subject_id) ?? '') : r.kind === 'device' ? r.subject_id : '';
    ctx.cache.addToken({
      hash: r.token_hash,
      kind: r.kind,
      subjectId: r.subject_id,
      name,
      systemKey: r.system_key,
      expiresAt: r.expires_at,
      raw: undefined,
    });
  }
}
