// `isobar triggers` and `isobar timers` (bin/cli/triggers.ts, bin/cli/timers.ts) against a real platform,
// seeded by the triggers area's rig.
import { expect } from 'chai';
import { ECHO_SERVICE, useRig } from '../../services/automation/rig.js';
import { runCaptured } from './cli-world.js';

describe('isobar triggers / isobar timers', () => {
  const rig = useRig('test');
  beforeEach(() => rig.createService('echo', ECHO_SERVICE));
  const run = (...argv: string[]) =>
    runCaptured(argv, {
      ISOBAR_URL: rig.tp.url,
      ISOBAR_TOKEN: rig.devToken,
      ISOBAR_SYSTEM_KEY: rig.ws.systemKey,
    });

  /** `isobar triggers create NAME --module Messaging --action ACTION --service echo [more…]`. */
  const createMessagingTrigger = (name: string, action: string, ...more: string[]) =>
    run(
      'triggers',
      'create',
      name,
      '--module',
      'Messaging',
      '--action',
      action,
      '--service',
      'echo',
      ...more,
    );

  it('creates, lists and deletes a trigger', async () => {
    const created = await createMessagingTrigger('onTemp', 'Publish', '--filter', 'topic=sensors/+/temp');
    expect(created.code, created.err).to.equal(0);
    const list = await run('triggers', 'list', '--json');
    expect(JSON.parse(list.out)).to.have.nested.property('[0].key_value_pairs.topic', 'sensors/+/temp');
    const table = await run('triggers', 'list');
    expect(table.out).to.include('Messaging::Publish');
    expect((await run('triggers', 'definitions')).out).to.include('MQTTDeviceConnected');
    expect((await run('triggers', 'delete', 'onTemp')).code).to.equal(0);
    expect(JSON.parse((await run('triggers', 'list', '--json')).out)).to.deep.equal([]);
  });

  it('reports refused input with the stable code and exit status 1', async () => {
    const bad = await createMessagingTrigger('x', 'Nope');
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include('CB_ERR_TRIGGER_UNKNOWN_DEFINITION');
    const badTimer = await run('timers', 'create', 'y', '--forever', '--frequency', '0');
    expect(badTimer.code).to.equal(1);
    expect(badTimer.err).to.include('CB_ERR_TIMER_BAD_FREQUENCY');
  });

  it('creates, lists and deletes a timer', async () => {
    const created = await run(
      'timers',
      'create',
      'nightly',
      '--cron',
      '0 2 * * *',
      '--forever',
      '--service',
      'echo',
    );
    expect(created.code, created.err).to.equal(0);
    const [timer] = JSON.parse((await run('timers', 'list', '--json')).out) as Array<Record<string, unknown>>;
    expect(timer).to.include({ name: 'nightly', cron: '0 2 * * *', repeats: -1, service_name: 'echo' });
    expect((await run('timers', 'list')).out).to.include('cron 0 2 * * *');
    expect((await run('timers', 'delete', 'nightly')).code).to.equal(0);
  });
});
