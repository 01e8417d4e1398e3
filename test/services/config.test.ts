import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../services/config/load.js';
import { OPTIONS } from '../../services/config/options.js';
import { IsobarError } from '../../runtime-api/errors/index.js';

describe('config', () => {
  it('applies the defaults of DESIGN.md', () => {
    const c = loadConfig({ env: {} });
    expect(c.http.port).to.equal(9000);
    expect(c.mqtt.tcpPort).to.equal(1883);
    expect(c.mqtt.authWssPort).to.equal(8908);
    expect(c.host).to.equal('0.0.0.0');
    expect(c.publicHost).to.equal('127.0.0.1');
    expect(c.dataDir).to.match(/\/data$/);
  });

  it('reads environment variables, flags over env, overrides over both', () => {
    const c = loadConfig({
      env: { ISOBAR_HTTP_PORT: '9100', ISOBAR_MQTT_PORT: '-1' },
      argv: ['--http-port', '9200'],
    });
    expect(c.http.port).to.equal(9200);
    expect(c.mqtt.tcpPort).to.equal(-1);
    const o = loadConfig({ env: { ISOBAR_HTTP_PORT: '9100' }, overrides: { 'http.port': 0 } });
    expect(o.http.port).to.equal(0);
  });

  it('reports every bad field in one error', () => {
    try {
      loadConfig({
        env: {
          ISOBAR_HTTP_PORT: 'abc',
          ISOBAR_MQTT_PORT: '70000',
          ISOBAR_LOG_LEVEL: 'loud',
          ISOBAR_TLS_CERT: '/x.pem',
        },
      });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(IsobarError);
      expect(err).to.have.property('code', 'CB_ERR_CONFIG_INVALID');
      const msg = (err as Error).message;
      for (const part of ['ISOBAR_HTTP_PORT', 'ISOBAR_MQTT_PORT', 'ISOBAR_LOG_LEVEL', 'ISOBAR_TLS_KEY'])
        expect(msg).to.contain(part);
    }
  });

  it('refuses two listeners on one port and unknown flags', () => {
    expect(() => loadConfig({ env: { ISOBAR_HTTP_PORT: '1883' } })).to.throw(/both use port 1883/);
    expect(() => loadConfig({ argv: ['--no-such-flag', '1'] })).to.throw(/unknown flag --no-such-flag/);
  });

  it('checks cluster mode as a whole: both URLs, their schemes, a node id fit for Redis keys', () => {
    expect(() => loadConfig({ env: { ISOBAR_CLUSTER: '1' } })).to.throw(
      /cluster mode needs ISOBAR_REDIS_URL and ISOBAR_DATABASE_URL/,
    );
    expect(() => loadConfig({ env: { ISOBAR_REDIS_URL: 'redis://127.0.0.1:6379' } })).to.throw(
      /cluster mode only/,
    );
    const bad = { ISOBAR_CLUSTER: '1', ISOBAR_REDIS_URL: 'http://x', ISOBAR_DATABASE_URL: 'mysql://x/db' };
    expect(() => loadConfig({ env: bad })).to.throw(
      /ISOBAR_REDIS_URL must look like.*ISOBAR_DATABASE_URL must look like/,
    );
    expect(() => loadConfig({ env: { ISOBAR_NODE_ID: 'a:b' } })).to.throw(/ISOBAR_NODE_ID must be/);
    const ok = loadConfig({
      env: {
        ISOBAR_CLUSTER: 'true',
        ISOBAR_REDIS_URL: 'redis://127.0.0.1:6379',
        ISOBAR_DATABASE_URL: 'postgres://isobar@127.0.0.1:5432/isobar',
        ISOBAR_NODE_ID: 'node-a',
      },
    });
    expect(ok.cluster).to.deep.include({ enabled: true, nodeId: 'node-a', heartbeatS: 2 });
    expect(loadConfig({ env: {} }).cluster.nodeId).to.match(/^[A-Za-z0-9._-]+-[0-9a-f]{6}$/);
  });

  it('hands out deep-frozen slices', () => {
    const c = loadConfig({ env: {} });
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.mqtt)).to.equal(true);
  });

  it('is documented: the README table lists every environment variable', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const o of OPTIONS) expect(readme, o.env).to.contain(`\`${o.env}\``);
  });
});
