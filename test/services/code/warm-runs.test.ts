// Warm runs over REST: runs of one service by two callers share a warm context (shown by a counter the service
// keeps on Array.prototype, which is documented to persist) and still see nothing of each other's state;
// `strict_isolation`, stored with the version, gives every run a fresh context.
import { expect } from 'chai';
import { useCodeWorld } from './world.js';

const code = `var calls = 0;
function Probe(req, resp) {
  calls++;
  var n = Array.prototype.__runs = (Array.prototype.__runs || 0) + 1;
  var seen = [calls, typeof lastCaller, typeof globalThis.lastToken];
  lastCaller = req.userid;
  globalThis.lastToken = req.userToken;
  resp.success([n].concat(seen));
}`;

describe('code REST: warm runs and strict_isolation', () => {
  const w = useCodeWorld('test');
  const asDev = () => w.asDev('POST', `/api/v/1/code/${w.systemKey}/Probe`, {});
  const asUser = () =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/Probe`, {
      body: {},
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });

  it('keeps top-level variables, implicit globals and globalThis properties from one caller away from the next', async () => {
    await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Probe`, { code });
    await w.grant({ services: [{ itemInfo: { name: 'Probe' }, permissions: 1 }] });
    expect((await w.asDev('GET', `/api/v/1/code/${w.systemKey}/Probe`)).body.strict_isolation).to.equal(
      false,
    );
    const a = await asDev();
    const b = await asUser();
    const c = await asDev();
    // One warm context served all three (the prototype counter went on), each from a fresh scope.
    expect([a.body, b.body, c.body]).to.deep.equal([
      { success: true, results: [1, 1, 'undefined', 'undefined'] },
      { success: true, results: [2, 1, 'undefined', 'undefined'] },
      { success: true, results: [3, 1, 'undefined', 'undefined'] },
    ]);
  });

  it('gives a service saved with strict_isolation a fresh context per run, and warm runs back with the next version', async () => {
    const sk = w.systemKey;
    await w.asDev('POST', `/admin/code/v/1/${sk}/Probe`, { code, strict_isolation: true });
    await w.grant({ services: [{ itemInfo: { name: 'Probe' }, permissions: 1 }] });
    expect((await w.asDev('GET', `/api/v/1/code/${sk}/Probe`)).body.strict_isolation).to.equal(true);
    const strict = [await asDev(), await asUser(), await asDev()].map(
      (r) => (r.body.results as unknown[])[0],
    );
    expect(strict).to.deep.equal([1, 1, 1]);
    await w.asDev('PUT', `/admin/code/v/1/${sk}/Probe`, { strict_isolation: false });
    const warm = [await asDev(), await asUser()].map((r) => (r.body.results as unknown[])[0]);
    expect(warm).to.deep.equal([1, 2]);
  });
});
