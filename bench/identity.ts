// Identity hot-path benchmark (DESIGN.md "Identity and tenancy": no disk read on the hot path): what the broker pays per CONNECT (`verifyToken`) and per
// PUBLISH/SUBSCRIBE (`topicAllowed`), each against a baseline measured in the same run:
// - verifyToken vs the floor of any hashed-token check (sha256 of the token + one Map lookup);
// - topicAllowed (merged permissions cached per member) vs matching the same role filters directly.
// Run: node --no-node-snapshot --import tsx bench/identity.ts
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { topicMatches } from '../runtime-api/topics.js';
import { systemClock } from '../services/kernel/clock.js';
import { createPlatformEvents } from '../services/kernel/events.js';
import { createIdentity } from '../services/identity/index.js';
import { createMemoryLog } from '../services/kernel/log.js';
import { createStore } from '../services/store/index.js';

const USERS = 20;
const TOKENS_PER_USER = 250;
const ROLES = 5;
const TOPICS_PER_ROLE = 40;

/** Calls `fn` for about a second (after a warm-up) and prints the rate. */
function rate(label: string, fn: (i: number) => unknown): number {
  for (let i = 0; i < 10_000; i++) fn(i);
  let calls = 0;
  let sink = 0;
  const start = performance.now();
  let ms = 0;
  while (ms < 1000) {
    for (let i = 0; i < 1000; i++, calls++) if (fn(calls) !== undefined) sink++;
    ms = performance.now() - start;
  }
  const perSec = (calls / ms) * 1000;
  console.log(
    `${label.padEnd(46)} ${(perSec / 1e6).toFixed(3)} M/s  (${((ms * 1000) / calls).toFixed(3)} µs/call; ${sink} truthy)`,
  );
  return perSec;
}

const dir = mkdtempSync(join(tmpdir(), 'isobar-bench-identity-'));
const store = await createStore({ dataDir: dir });
try {
  const identity = await createIdentity({
    store,
    clock: systemClock,
    log: createMemoryLog(),
    events: createPlatformEvents(() => undefined),
    config: { devTokenTtl: 3600, defaultTokenTtl: 3600 },
  });
  const { developer } = await identity.registerDeveloper({ email: 'bench@dev', password: 'bench-pass-1' });
  const { systemKey } = await identity.createSystem(developer.id, { name: 'bench' });
  const filters: string[] = [];
  for (let r = 0; r < ROLES; r++) {
    const topics = [];
    for (let t = 0; t < TOPICS_PER_ROLE; t++) {
      const f = t % 2 === 0 ? `site/${r}/line/${t}/#` : `site/${r}/+/sensor${t}`;
      filters.push(f);
      topics.push({ itemInfo: { name: f }, permissions: 3 });
    }
    await identity.createRole(systemKey, { name: `R${r}`, changes: { topics } });
  }
  const tokens: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const user = await identity.registerUser(systemKey, `u${u}@bench`, 'user-pass-1');
    await identity.changeRoles(systemKey, 'user', user.user_id, {
      add: Array.from({ length: ROLES }, (_, r) => `R${r}`),
    });
    for (let t = 0; t < TOKENS_PER_USER; t++)
      tokens.push((await identity.issueUserToken(systemKey, user.user_id)).token);
  }
  console.log(
    `identity hot path: ${tokens.length} live tokens, ${ROLES} roles x ${TOPICS_PER_ROLE} topic filters per user`,
  );

  const floor = new Map(tokens.map((t) => [createHash('sha256').update(t).digest('hex'), t]));
  const base = rate('baseline: sha256 + Map.get', (i) =>
    floor.get(
      createHash('sha256')
        .update(tokens[i % tokens.length])
        .digest('hex'),
    ),
  );
  const verify = rate('verifyToken', (i) => identity.verifyToken(tokens[i % tokens.length]));
  console.log(`  verifyToken / baseline = ${(verify / base).toFixed(2)}`);

  const principal = identity.verifyToken(tokens[0]);
  // The last filter of the last role: the worst case for a linear scan.
  const topic = `site/${ROLES - 1}/x/sensor${TOPICS_PER_ROLE - 1}`;
  const direct = rate(
    'baseline: topicMatches over the role filters',
    () => filters.some((f) => topicMatches(f, topic)) || undefined,
  );
  const allowed = rate(
    'topicAllowed (publish)',
    () => identity.topicAllowed(principal, systemKey, topic, 'publish') || undefined,
  );
  console.log(`  topicAllowed / baseline = ${(allowed / direct).toFixed(2)}`);
  rate(
    'topicAllowed (subscribe site/0/line/0/+)',
    () => identity.topicAllowed(principal, systemKey, 'site/0/line/0/+', 'subscribe') || undefined,
  );
  await identity.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
