// The hop a subscriber's publishes carry (services/automation/hop-carry.ts): the deepest message received
// since its previous publish, + 1; its own invocation hop when it received nothing.
import { expect } from 'chai';
import { createHopCarry } from '../../../services/automation/hop-carry.js';

describe('hop carry', () => {
  it('publishes one hop deeper than the run itself when it received nothing', () => {
    const hops = createHopCarry();
    expect(hops.publishHop({}, 0)).to.equal(1);
    expect(hops.publishHop({}, 3)).to.equal(4);
  });

  it('carries the deepest received hop on, so a loop through its own events deepens every turn', () => {
    const hops = createHopCarry();
    const run = {};
    let hop = 0;
    for (let turn = 0; turn < 5; turn++) {
      hops.received(run, hop);
      hop = hops.publishHop(run, 0);
    }
    expect(hop).to.equal(5);
  });

  it('is not reset by a shallow message arriving between two turns of a loop', () => {
    const hops = createHopCarry();
    const run = {};
    hops.received(run, 6);
    hops.received(run, 0); // a device's message
    expect(hops.publishHop(run, 0)).to.equal(7);
    // nothing new: later publishes keep the depth they reacted at
    expect(hops.publishHop(run, 0)).to.equal(7);
    // a new batch replaces it
    hops.received(run, 1);
    expect(hops.publishHop(run, 0)).to.equal(2);
  });

  it('keeps runs apart', () => {
    const hops = createHopCarry();
    const a = {};
    const b = {};
    hops.received(a, 5);
    expect(hops.publishHop(b, 0)).to.equal(1);
    expect(hops.publishHop(a, 0)).to.equal(6);
  });
});
