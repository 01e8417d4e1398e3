import { expect } from 'chai';
import { createEchoGuard } from '../../../services/edges/echo.js';

describe('edges/echo', () => {
  it('swallows exactly one report of each publish the relay made', () => {
    const guard = createEchoGuard();
    guard.expect('sk', 'a/_broadcast', Buffer.from('x'));
    expect(guard.isEcho('sk', 'a/_broadcast', Buffer.from('x'))).to.equal(true);
    expect(guard.isEcho('sk', 'a/_broadcast', Buffer.from('x'))).to.equal(false);
    expect(guard.pending).to.equal(0);
  });

  it('does not confuse systems, topics or payloads', () => {
    const guard = createEchoGuard();
    guard.expect('sk', 't/_platform', Buffer.from('1'));
    expect(guard.isEcho('other', 't/_platform', Buffer.from('1'))).to.equal(false);
    expect(guard.isEcho('sk', 'u/_platform', Buffer.from('1'))).to.equal(false);
    expect(guard.isEcho('sk', 't/_platform', Buffer.from('2'))).to.equal(false);
    expect(guard.pending).to.equal(1);
  });

  it('stays bounded when echoes never come', () => {
    const guard = createEchoGuard(10);
    for (let i = 0; i < 100; i++) guard.expect('sk', 't', Buffer.from(String(i)));
    expect(guard.pending).to.equal(10);
    expect(guard.isEcho('sk', 't', Buffer.from('0'))).to.equal(false);
    expect(guard.isEcho('sk', 't', Buffer.from('99'))).to.equal(true);
  });
});
