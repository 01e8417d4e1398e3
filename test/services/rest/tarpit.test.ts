// Held throttle answers over a real socket: the 429 arrives whole (status, code, Retry-After) after its hold.
import { expect } from 'chai';
import { startedPerTest } from '../../helpers/fixture.js';
import { startTestPlatform } from '../../helpers/platform.js';

describe('throttled logins over HTTP (held answers)', () => {
  const startPlatform = startedPerTest(startTestPlatform, (tp) => tp.close({ removeData: true }));

  it('answers a held guess with 429 CB_ERR_AUTH_THROTTLED and Retry-After, never an empty 200', async () => {
    const tp = await startPlatform({
      overrides: { 'identity.loginTarpitMs': 20, 'identity.loginAccountFailures': 2 },
    });
    const id = tp.platform.identity;
    const admin = await id.loginDeveloper(tp.config.admin.email, tp.config.admin.password ?? '');
    const system = await id.createSystem(id.verifyToken(admin.token).id, { name: 'tarpit' });
    await id.registerUser(system.systemKey, 'guessed@example.com', 'Good-pass-1!x');
    const guess = () =>
      fetch(`${tp?.url ?? ''}/api/v/1/user/auth`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ClearBlade-SystemKey': system.systemKey,
          'ClearBlade-SystemSecret': system.systemSecret,
        },
        body: JSON.stringify({ email: 'guessed@example.com', password: 'wrong-guess' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await guess()).status);
    const held = await guess();
    expect(statuses).to.deep.equal([401, 401]);
    expect(held.status).to.equal(429);
    expect(Number(held.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(await held.json()).to.include({ statusCode: 429, code: 'CB_ERR_AUTH_THROTTLED' });
  });
});
