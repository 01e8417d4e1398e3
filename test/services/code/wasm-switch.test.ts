// The per-service WebAssembly switch (`allow_wasm`, migration 008): off by default, on when the author asks,
// and even then bounded by the service's memory limit.
import { expect } from 'chai';
import { useCodeWorld } from './world.js';

// (module (memory 1 2)): one page, at most two, so its declared maximum is 128 KiB.
const smallModule = '[0,97,115,109,1,0,0,0,5,4,1,1,1,2]';
// (module (memory 1)): no maximum, which the engine cannot charge and refuses.
const unboundedModule = '[0,97,115,109,1,0,0,0,5,3,1,0,1]';
const wasmService = (bytes: string) => `function Wasm(req, resp) {
  if (typeof WebAssembly === 'undefined') { resp.success('no wasm'); return; }
  const m = new WebAssembly.Module(new Uint8Array(${bytes}));
  const i = new WebAssembly.Instance(m, {});
  resp.success('instances ' + (i instanceof WebAssembly.Instance));
}`;

describe('allow_wasm (per-service WebAssembly switch)', () => {
  const w = useCodeWorld('test');
  const run = () => w.asDev('POST', `/api/v/1/code/${w.systemKey}/Wasm`, {});

  it('keeps WebAssembly away from a service that did not ask for it', async () => {
    await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Wasm`, { code: wasmService(smallModule) });
    const got = await w.asDev('GET', `/api/v/1/code/${w.systemKey}/Wasm`);
    expect(got.body.allow_wasm).to.equal(false);
    expect((await run()).body).to.deep.include({ success: true, results: 'no wasm' });
  });

  it('gives it to a service saved with allow_wasm, and takes it back with the next version', async () => {
    const sk = w.systemKey;
    await w.asDev('POST', `/admin/code/v/1/${sk}/Wasm`, { code: wasmService(smallModule), allow_wasm: true });
    expect((await w.asDev('GET', `/api/v/1/code/${sk}/Wasm`)).body.allow_wasm).to.equal(true);
    expect((await run()).body).to.deep.include({ success: true, results: 'instances true' });
    await w.asDev('PUT', `/admin/code/v/1/${sk}/Wasm`, { allow_wasm: false });
    expect((await run()).body).to.deep.include({ success: true, results: 'no wasm' });
  });

  it('refuses a module memory it cannot charge, with the sandbox code, even when allowed', async () => {
    await w.asDev('POST', `/admin/code/v/1/${w.systemKey}/Wasm`, {
      code: wasmService(unboundedModule),
      allow_wasm: true,
    });
    const r = await run();
    expect(r.body.success).to.equal(false);
    expect(JSON.stringify(r.body.results)).to.contain('CB_ERR_SANDBOX_WASM_MEMORY');
  });
});
