// The collections component's part in the platform's life: deleting a system drops its collections.
import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait-for.js';
import { api } from '../identity/helpers.js';

describe('collections component', () => {
  let tp: TestPlatform;
  afterEach(async () => {
    await tp.close({ removeData: true });
  });

  it('drops the collections of a deleted system (system.deleted) and keeps the other systems', async () => {
    tp = await startTestPlatform();
    const a = api(tp.url);
    const { identity } = tp.platform;
    const dev = {
      'ClearBlade-DevToken': (await identity.loginDeveloper('admin@test.local', 'admin-pass-1')).token,
    };
    const d = await identity.developerByEmail('admin@test.local');
    const gone = (await identity.createSystem(d?.id ?? '', { name: 'gone' })).systemKey;
    const kept = (await identity.createSystem(d?.id ?? '', { name: 'kept' })).systemKey;
    const make = (appID: string, name: string) =>
      a.ok<{ collectionID: string }>('POST', '/admin/collectionmanagement', {
        headers: dev,
        body: { name, appID },
      });
    const doomed = [(await make(gone, 'one')).collectionID, (await make(gone, 'two')).collectionID];
    const survivor = (await make(kept, 'one')).collectionID;
    await a.ok('POST', `/api/v/1/data/${doomed[0] ?? ''}`, {
      headers: { ...dev, 'ClearBlade-SystemKey': gone },
      body: {},
    });

    const dropped: string[] = [];
    const bothDropped = waitFor(
      tp.platform.events,
      'collection.deleted',
      (e) => dropped.push(e.collectionId) === 2,
      { what: 'both collections of the deleted system dropped' },
    );
    await identity.deleteSystem(gone);
    await bothDropped;
    expect(dropped).to.have.members(doomed);
    await a.fails(
      'GET',
      `/admin/collectionmanagement?id=${doomed[0] ?? ''}`,
      404,
      'CB_ERR_DATA_UNKNOWN_COLLECTION',
      {
        headers: dev,
      },
    );
    const left = await a.ok<Array<{ collectionID: string }>>('GET', `/admin/allcollections?appid=${kept}`, {
      headers: dev,
    });
    expect(left.map((c) => c.collectionID)).to.deep.equal([survivor]);
  });
});
