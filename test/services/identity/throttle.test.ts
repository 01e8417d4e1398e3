import { expect } from 'chai';
import { createManualClock } from '../../../services/kernel/clock.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { accountKey, addressKey, createLoginThrottle } from '../../../services/identity/throttle.js';

const bad = (): Promise<never> => Promise.reject(new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS'));
const good = (): Promise<string> => Promise.resolve('token');

/** The error code of a guard call, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as IsobarError).code;
  }
}

describe('services/identity/throttle', () => {
  const WINDOW = 300_000;

  it('refuses the 11th guess on one account with CB_ERR_AUTH_THROTTLED and a retry time, then lets one through per window/limit', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 10, addressFailures: 0, windowMs: WINDOW }, clock);
    const who = { account: accountKey('user', 'sk', 'ann@x') };
    for (let i = 0; i < 10; i++)
      expect(await outcome(t.guard(who, bad))).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
    const refused = await t.guard(who, good).catch((err: unknown) => err);
    expect(refused).to.have.property('code', 'CB_ERR_AUTH_THROTTLED');
    expect((refused as IsobarError).params.retryAfter).to.equal(30);
    expect((refused as IsobarError).spec).to.include({ status: 429, connack: 3 });
    clock.advance(29_000);
    expect(await outcome(t.guard(who, good))).to.equal('CB_ERR_AUTH_THROTTLED');
    clock.advance(1_000);
    expect(await outcome(t.guard(who, good))).to.equal('ok');
    // The success emptied the account's bucket: ten more guesses before the next refusal.
    for (let i = 0; i < 10; i++)
      expect(await outcome(t.guard(who, bad))).to.equal('CB_ERR_AUTH_BAD_CREDENTIALS');
    expect(await outcome(t.guard(who, bad))).to.equal('CB_ERR_AUTH_THROTTLED');
  });

  it('never slows successful logins and keeps accounts apart (case variants of an email share one)', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 3, addressFailures: 5, windowMs: WINDOW }, clock);
    for (let i = 0; i < 100; i++) {
      expect(
        await outcome(t.guard({ account: accountKey('developer', '', 'a@x'), address: '10.0.0.1' }, good)),
      ).to.equal('ok');
    }
    for (let i = 0; i < 3; i++) await outcome(t.guard({ account: accountKey('user', 's', 'Bob@X') }, bad));
    expect(await outcome(t.guard({ account: accountKey('user', 's', ' bob@x') }, good))).to.equal(
      'CB_ERR_AUTH_THROTTLED',
    );
    expect(await outcome(t.guard({ account: accountKey('user', 'other', 'bob@x') }, good))).to.equal('ok');
    expect(await outcome(t.guard({ account: accountKey('device', 's', 'bob@x') }, good))).to.equal('ok');
  });

  it('counts failures per address over every account, and an IPv6 /64 as one address', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 10, addressFailures: 5, windowMs: WINDOW }, clock);
    for (let i = 0; i < 5; i++) {
      const address = `2001:db8:1:2::${String(i + 1)}`;
      await outcome(t.guard({ account: accountKey('user', 's', `u${String(i)}@x`), address }, bad));
    }
    const fresh = { account: accountKey('user', 's', 'new@x'), address: '2001:0db8:0001:0002:ffff::9' };
    expect(await outcome(t.guard(fresh, good))).to.equal('CB_ERR_AUTH_THROTTLED');
    expect(await outcome(t.guard({ ...fresh, address: '2001:db8:1:3::1' }, good))).to.equal('ok');
    expect(await outcome(t.guard({ ...fresh, address: '::ffff:10.1.1.1' }, good))).to.equal('ok');
  });

  it('counts guesses still in flight, so parallel guesses cannot all slip in before the first failure', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 10, addressFailures: 0, windowMs: WINDOW }, clock);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const slow = async (): Promise<never> => {
      started++;
      await gate;
      throw new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS');
    };
    const who = { account: accountKey('device', 's', 'pump') };
    const all = Array.from({ length: 50 }, () => outcome(t.guard(who, slow)));
    release();
    const codes = await Promise.all(all);
    expect(started).to.equal(10);
    expect(codes.filter((c) => c === 'CB_ERR_AUTH_THROTTLED')).to.have.length(40);
  });

  it('refunds attempts that end in another error (unknown system, a fault), not in a wrong password', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 2, addressFailures: 0, windowMs: WINDOW }, clock);
    const who = { account: accountKey('user', 's', 'x@x') };
    const other = () => Promise.reject(new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey: 's' }));
    for (let i = 0; i < 5; i++) expect(await outcome(t.guard(who, other))).to.equal('CB_ERR_SYSTEM_UNKNOWN');
    expect(await outcome(t.guard(who, good))).to.equal('ok');
  });

  it('keeps its memory bounded: drained buckets go, and past maxEntries the least recently touched', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle(
      { accountFailures: 10, addressFailures: 10, windowMs: WINDOW, maxEntries: 100 },
      clock,
    );
    for (let i = 0; i < 1000; i++) {
      await outcome(
        t.guard(
          {
            account: accountKey('user', 's', `spray${String(i)}@x`),
            address: `10.0.${String(i >> 8)}.${String(i & 255)}`,
          },
          bad,
        ),
      );
      expect(t.size).to.be.at.most(100);
    }
    clock.advance(WINDOW);
    await outcome(t.guard({ account: accountKey('user', 's', 'late@x') }, bad));
    expect(t.size).to.equal(1);
  });

  it('turns a limit off with 0', async () => {
    const clock = createManualClock();
    const t = createLoginThrottle({ accountFailures: 0, addressFailures: 0, windowMs: WINDOW }, clock);
    for (let i = 0; i < 50; i++) await outcome(t.guard({ account: 'a', address: '1.2.3.4' }, bad));
    expect(await outcome(t.guard({ account: 'a', address: '1.2.3.4' }, good))).to.equal('ok');
    expect(t.size).to.equal(0);
  });

  it('keys IPv4 as is and IPv6 by its first 64 bits', () => {
    expect(addressKey('192.0.2.7')).to.equal('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).to.equal('192.0.2.7');
    expect(addressKey('2001:db8::1')).to.equal(addressKey('2001:0db8:0000:0000:ffff:1:2:3'));
    expect(addressKey('2001:db8:0:1::1')).to.not.equal(addressKey('2001:db8:0:2::1'));
    expect(addressKey('::1')).to.equal('0:0:0:0::/64');
  });
});
