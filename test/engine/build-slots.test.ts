import { expect } from 'chai';
import { BuildSlots } from '../../engine/build-slots.js';

// A background build a run comes to wait for (engine/sandbox.ts takeContext) is moved ahead of the other
// background builds queued for a slot.

describe('engine: build slots', () => {
  it('starts a hurried background task before the background tasks queued ahead of it', async () => {
    const slots = new BuildSlots(1);
    const order: string[] = [];
    let free: (() => void) | undefined;
    const first = slots.run(true, () => new Promise<void>((resolve) => (free = resolve)));
    const task = (name: string) => async () => void order.push(name);
    const b = task('b');
    const c = task('c');
    const done = [slots.run(false, b), slots.run(false, c)];
    slots.hurry(c);
    slots.hurry(c); // a second hurry of the same task does nothing
    free?.();
    await Promise.all([first, ...done]);
    expect(order).to.deep.equal(['c', 'b']);
  });

  it('ignores a hurry for a task that already started', async () => {
    const slots = new BuildSlots(1);
    const order: string[] = [];
    const a = async () => void order.push('a');
    const p = slots.run(false, a);
    slots.hurry(a);
    await p;
    await slots.run(false, async () => void order.push('b'));
    expect(order).to.deep.equal(['a', 'b']);
  });
});
