import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BRIDGE_OP_TABLE, BRIDGE_OPS, isBridgeOp } from '../../../runtime-api/bridge-ops.js';
import { collectBridgeOps } from '../../../services/kernel/bridge-ops.js';
import type { Component, OpHandler } from '../../../services/kernel/component.js';
import { startedPerTest } from '../../helpers/fixture.js';
import { startTestPlatform } from '../../helpers/platform.js';

const source = (rel: string): string => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
const preludeDir = fileURLToPath(new URL('../../../runtime-api/prelude/', import.meta.url));
const prelude = readdirSync(preludeDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(preludeDir + f, 'utf8'))
  .join('\n');
const engineBridge = source('../../../engine/bridge.ts');

/** Occurrences of `needle` in `text`. */
const count = (text: string, needle: string): number => text.split(needle).length - 1;

const handler: OpHandler = () => null;
/** One component per owner, each giving a handler for every op it owns. */
function owners(): Array<Pick<Component, 'name' | 'ops'>> {
  const byOwner = new Map<string, Record<string, OpHandler>>();
  for (const op of BRIDGE_OPS) {
    const owner = BRIDGE_OP_TABLE[op].owner;
    if (owner === 'engine') continue;
    const ops = byOwner.get(owner) ?? {};
    ops[op] = handler;
    byOwner.set(owner, ops);
  }
  return [...byOwner].map(([name, ops]) => ({ name, ops }));
}

describe('bridge ops: one table, contributed through the component contract', () => {
  it('every op is called by the prelude, and every op the prelude names is in the table', () => {
    for (const op of BRIDGE_OPS) expect(count(prelude, `'${op}'`), `prelude calls ${op}`).to.be.at.least(1);
    const named = [
      ...prelude.matchAll(/'((?:history|trigger|timer|messaging|cache|http|collection)\.[A-Za-z]+)'/g),
    ].map((m) => m[1]);
    expect(named.length).to.be.at.least(BRIDGE_OPS.length);
    for (const op of named) expect(isBridgeOp(op), `${op} is a table row`).to.equal(true);
  });

  it("every engine-owned op has exactly one case in the engine's bridge", () => {
    const engineOps = BRIDGE_OPS.filter((op) => BRIDGE_OP_TABLE[op].owner === 'engine');
    expect(engineOps).to.have.length.greaterThan(0);
    for (const op of engineOps) expect(count(engineBridge, `case '${op}':`), op).to.equal(1);
  });

  it('gathers one handler per component-owned op and none for engine-owned ones', () => {
    const table = collectBridgeOps(owners());
    for (const op of BRIDGE_OPS) {
      expect(table.has(op), op).to.equal(BRIDGE_OP_TABLE[op].owner !== 'engine');
    }
  });

  it('refuses an op outside the table', () => {
    const components = [...owners(), { name: 'history', ops: { 'no.such': handler } as Component['ops'] }];
    expect(() => collectBridgeOps(components)).to.throw('unknown bridge op no.such');
  });

  it('refuses an op given by a component that does not own it', () => {
    const components = owners().map((c) => (c.name === 'history' ? { ...c, name: 'automation' } : c));
    expect(() => collectBridgeOps(components)).to.throw('belongs to history, not automation');
  });

  it('refuses a second handler for one op', () => {
    const components = [...owners(), { name: 'history', ops: { 'history.get': handler } }];
    expect(() => collectBridgeOps(components)).to.throw('bridge op history.get has two handlers');
  });

  it('refuses a table with an op nobody handles', () => {
    const components = owners().filter((c) => c.name !== 'automation');
    expect(() => collectBridgeOps(components)).to.throw(/without a handler: trigger\.create/);
  });

  describe('on a real platform', () => {
    const start = startedPerTest(startTestPlatform, (platform) => platform.close());

    it('its areas contribute every component-owned op exactly once, each from its owner', async () => {
      const t = await start();
      const { code, history, automation, edges, collections, cache, outboundHttp } = t.platform;
      const table = collectBridgeOps([code, history, automation, edges, collections, cache, outboundHttp]);
      const expected = BRIDGE_OPS.filter((op) => BRIDGE_OP_TABLE[op].owner !== 'engine');
      expect([...table.keys()].sort()).to.deep.equal([...expected].sort());
    });
  });
});
