import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createEdgeRegistry, hashEdgeToken } from '../../../services/edges/registry.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';

describe('edges/registry', () => {
  let dir: string;
  let store: Store;
  const clock = createManualClock();

  beforeEach(async () => {
    dir = tempDataDir();
    store = await createStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an edge with a token that is stored only as a hash', async () => {
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    const created = await registry.create('sk1', 'gw-1', 'first floor');
    expect(created).to.include({ name: 'gw-1', edge_key: 'sk1:gw-1', isConnected: false });
    expect(created.token).to.be.a('string').with.length.greaterThan(20);
    const row = await store.db.selectFrom('edges').selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).to.equal(hashEdgeToken(created.token));
    expect(JSON.stringify(row)).not.to.contain(created.token);
    expect(registry.byToken(created.token)).to.deep.equal({ systemKey: 'sk1', name: 'gw-1' });
    expect(registry.byToken('nope')).to.equal(undefined);
  });

  it('refuses duplicate and malformed names with stable codes', async () => {
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    await registry.create('sk1', 'a');
    for (const [name, code] of [
      ['a', 'CB_ERR_EDGE_EXISTS'],
      ['a/b', 'CB_ERR_EDGE_BAD_NAME'],
      ['', 'CB_ERR_EDGE_BAD_NAME'],
      ['+', 'CB_ERR_EDGE_BAD_NAME'],
    ] as const) {
      const err = await registry.create('sk1', name).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).to.have.property('code', code);
    }
    expect(() => registry.get('sk1', 'ghost'))
      .to.throw()
      .with.property('code', 'CB_ERR_EDGE_UNKNOWN');
  });

  it('keeps connection state and last seen, and rebuilds from the database', async () => {
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    const changes: string[] = [];
    registry.onChange((_sk, name) => changes.push(name));
    await registry.create('sk1', 'e1');
    clock.advance(1000);
    await registry.setConnected('sk1', 'e1', true);
    expect(registry.get('sk1', 'e1')).to.include({ isConnected: true, last_seen: clock.now() });
    expect(registry.get('sk1', 'e1').first_talked).to.equal(clock.now());
    expect(changes).to.deep.equal(['e1', 'e1']);

    const again = createEdgeRegistry({ store, clock });
    await again.load();
    expect(again.get('sk1', 'e1')).to.include({ isConnected: false, last_talked: clock.now() });
  });

  it('resets a token: the old one stops working', async () => {
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    const { token } = await registry.create('sk1', 'e1');
    const updated = await registry.update('sk1', 'e1', { resetToken: true, description: 'x' });
    expect(updated.description).to.equal('x');
    expect(updated.token).to.be.a('string');
    expect(registry.byToken(token)).to.equal(undefined);
    expect(registry.byToken(updated.token ?? '')).to.deep.equal({ systemKey: 'sk1', name: 'e1' });
  });

  it('lists per system and deletes', async () => {
    const registry = createEdgeRegistry({ store, clock });
    await registry.load();
    await registry.create('sk1', 'b');
    await registry.create('sk1', 'a');
    await registry.create('sk2', 'c');
    expect(registry.list('sk1').map((e) => e.name)).to.deep.equal(['a', 'b']);
    await registry.delete('sk1', 'a');
    expect(registry.names('sk1')).to.deep.equal(['b']);
    expect(registry.has('sk1', 'a')).to.equal(false);
  });
});
