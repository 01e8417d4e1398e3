import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createPlatformEvents } from '../../../services/kernel/events.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createIdentity } from '../../../services/identity/index.js';
import {
  applyIdentitySnapshot,
  isIdentitySnapshot,
  readIdentitySnapshot,
} from '../../../services/edges/identity-sync.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';

describe('edges/identity-sync', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const clock = createManualClock(Date.now());
  const open = async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const store = await createStore({ dataDir: dir });
    stores.push(store);
    return store;
  };
  const identityOn = (store: Store) =>
    createIdentity({
      store,
      clock,
      log: createMemoryLog(),
      events: createPlatformEvents(() => undefined),
      config: { devTokenTtl: 3600, defaultTokenTtl: 3600 },
    });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lets users and devices log in to an edge with their platform credentials; hashes only travel', async () => {
    const platformStore = await open();
    const platform = await identityOn(platformStore);
    const { developer } = await platform.registerDeveloper({ email: 'dev@x.io', password: 'dev-pass-1' });
    const system = await platform.createSystem(developer.id, { name: 'plant' });
    await platform.registerUser(system.systemKey, 'op@x.io', 'user-pass-1');
    await platform.createDevice(system.systemKey, 'sensor-7', { active_key: 'device-key-1' });

    const snapshot = await readIdentitySnapshot(platformStore, system.systemKey);
    const wire = JSON.parse(JSON.stringify(snapshot)) as unknown;
    expect(isIdentitySnapshot(wire)).to.equal(true);
    const text = JSON.stringify(wire);
    for (const secret of ['dev-pass-1', 'user-pass-1', 'device-key-1']) expect(text).not.to.contain(secret);

    const edgeStore = await open();
    // A running edge identity; its first-start developer shares the owner's e-mail: it owns the system there.
    const edge = await identityOn(edgeStore);
    await edge.registerDeveloper({ email: 'dev@x.io', password: 'other-pass-1' });
    if (!isIdentitySnapshot(wire)) throw new Error('not a snapshot');
    await applyIdentitySnapshot(edgeStore, wire);
    await applyIdentitySnapshot(edgeStore, wire); // idempotent
    await edge.reloadSystem(system.systemKey);

    expect(edge.system(system.systemKey)).to.include({ systemSecret: system.systemSecret });
    const user = await edge.loginUser(system.systemKey, 'op@x.io', 'user-pass-1');
    expect(user.token).to.be.a('string');
    const device = await edge.loginDevice(system.systemKey, 'sensor-7', 'device-key-1');
    expect(device.id).to.equal('sensor-7');

    // A password changed on the platform works on the edge after the next snapshot; the old one does not.
    const platformUser = (await platform.listUsers(system.systemKey)).data[0];
    await platform.updateUser(system.systemKey, platformUser.user_id, { password: 'user-pass-2' });
    const next = JSON.parse(
      JSON.stringify(await readIdentitySnapshot(platformStore, system.systemKey)),
    ) as unknown;
    if (!isIdentitySnapshot(next)) throw new Error('not a snapshot');
    await applyIdentitySnapshot(edgeStore, next);
    await edge.reloadSystem(system.systemKey);
    expect((await edge.loginUser(system.systemKey, 'op@x.io', 'user-pass-2')).token).to.be.a('string');
    const wrong = await edge.loginUser(system.systemKey, 'op@x.io', 'user-pass-1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(wrong).to.have.property('code', 'CB_ERR_AUTH_BAD_CREDENTIALS');
    await edge.close();
    await platform.close();
  });
});
