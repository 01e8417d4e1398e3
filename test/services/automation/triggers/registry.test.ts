import { expect } from 'chai';
import { rejectionOf } from '../../../helpers/errors.js';
import { createManualClock } from '../../../../services/kernel/clock.js';
import { publishEvent, userCreatedEvent } from '../../../../services/automation/triggers/params.js';
import {
  createTriggerRegistry,
  type TriggerRegistry,
} from '../../../../services/automation/triggers/registry.js';
import { DEVELOPER_ID, openTestStore, SYSTEM_KEY, type TestStore } from '../store-helper.js';

const creator = { kind: 'developer', id: DEVELOPER_ID } as const;
const services = new Set(['alert', 'audit']);
const message = (topic: string) =>
  publishEvent({
    systemKey: SYSTEM_KEY,
    topic,
    payload: Buffer.from('1'),
    qos: 0,
    retain: false,
    hop: 0,
    time: 0,
  });

describe('trigger registry', () => {
  let ts: TestStore;
  let registry: TriggerRegistry;
  /** A Messaging::Publish trigger `name` running `service`, on every topic or on those `topic` matches. */
  const onPublish = (name: string, service: string, topic?: string) =>
    registry.create(
      SYSTEM_KEY,
      name,
      {
        def_module: 'Messaging',
        def_name: 'Publish',
        ...(topic === undefined ? {} : { key_value_pairs: { topic } }),
        service_name: service,
      },
      creator,
    );
  const build = () =>
    createTriggerRegistry({
      store: ts.store,
      clock: createManualClock(),
      serviceExists: (_sk, name) => services.has(name),
    });

  beforeEach(async () => {
    ts = await openTestStore();
    registry = build();
    await registry.load();
  });
  afterEach(() => ts.close());

  it('stores a trigger and finds it again after a reload', async () => {
    await onPublish('onTemp', 'alert', 'sensors/+/temp');
    const again = build();
    await again.load();
    const t = again.get(SYSTEM_KEY, 'onTemp');
    expect(t.action).to.equal('Messaging::Publish');
    expect(t.keyValuePairs).to.deep.equal({ topic: 'sensors/+/temp' });
    expect(t.creator).to.deep.equal(creator);
  });

  it('matches topic filters with MQTT wildcards and other filters exactly', async () => {
    await onPublish('wild', 'alert', 'sensors/+/temp');
    await onPublish('all', 'audit');
    await registry.create(
      SYSTEM_KEY,
      'ann',
      {
        def_module: 'User',
        def_name: 'UserCreated',
        key_value_pairs: { email: 'ann@x.io' },
        service_name: 'audit',
      },
      creator,
    );
    expect(registry.match(message('sensors/7/temp')).map((t) => t.name)).to.have.members(['wild', 'all']);
    expect(registry.match(message('sensors/7/humidity')).map((t) => t.name)).to.deep.equal(['all']);
    const created = (email: string) =>
      userCreatedEvent({ systemKey: SYSTEM_KEY, user: { user_id: 'u', email } });
    expect(registry.match(created('ann@x.io')).map((t) => t.name)).to.deep.equal(['ann']);
    expect(registry.match(created('bob@x.io'))).to.deep.equal([]);
    expect(registry.has(SYSTEM_KEY, 'Messaging::Subscribe')).to.equal(false);
  });

  it('refuses a trigger naming a missing service with CB_ERR_TRIGGER_SERVICE_MISSING', async () => {
    const err = await rejectionOf(onPublish('t', 'ghost'));
    expect(err).to.have.property('code', 'CB_ERR_TRIGGER_SERVICE_MISSING');
  });

  it('refuses bad input at creation with stable codes', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { def_module: 'Messaging', def_name: 'Teleport', service_name: 'alert' },
        'CB_ERR_TRIGGER_UNKNOWN_DEFINITION',
      ],
      [
        {
          def_module: 'Messaging',
          def_name: 'Publish',
          key_value_pairs: { topic: 'a/#/b' },
          service_name: 'alert',
        },
        'CB_ERR_TRIGGER_BAD_FILTER',
      ],
    ];
    for (const [input, code] of cases) {
      expect(await rejectionOf(registry.create(SYSTEM_KEY, 'bad', input, creator))).to.have.property(
        'code',
        code,
      );
    }
    await onPublish('dup', 'alert');
    const dup = await rejectionOf(onPublish('dup', 'alert'));
    expect(dup).to.have.property('code', 'CB_ERR_TRIGGER_EXISTS');
  });

  it('updates filters and action, and forgets deleted triggers', async () => {
    await onPublish('t', 'alert');
    await registry.update(SYSTEM_KEY, 't', { key_value_pairs: { topic: 'only/this' } });
    expect(registry.match(message('other'))).to.deep.equal([]);
    expect(registry.match(message('only/this'))).to.have.length(1);
    await registry.update(SYSTEM_KEY, 't', { def_name: 'Subscribe' });
    expect(registry.has(SYSTEM_KEY, 'Messaging::Publish')).to.equal(false);
    expect(registry.usingService(SYSTEM_KEY, 'alert')).to.deep.equal(['t']);
    await registry.delete(SYSTEM_KEY, 't');
    expect(registry.list(SYSTEM_KEY)).to.deep.equal([]);
    expect(await rejectionOf(registry.delete(SYSTEM_KEY, 't'))).to.have.property(
      'code',
      'CB_ERR_TRIGGER_UNKNOWN',
    );
  });
});
