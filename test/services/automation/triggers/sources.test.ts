import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { BrokerEventMap, ClientIdentity } from '../../../../broker/types.js';
import { createPlatformEvents } from '../../../../services/kernel/events.js';
import { createMemoryLog } from '../../../../services/kernel/log.js';
import { createEventTopics } from '../../../../services/automation/event-topics.js';
import type { TriggerEvent } from '../../../../services/automation/triggers/params.js';
import { attachSources } from '../../../../services/automation/triggers/sources.js';
import { filtersMatch } from '../../../../services/automation/triggers/registry.js';
import { topicMatches } from '../../../../runtime-api/topics.js';

const SK = 'sk1';
const device: ClientIdentity = { kind: 'device', id: 'dev7', name: 'dev7', systemKey: SK };

/** A stand-in broker: emits activity events, records publishes, answers hasSubscribers from a filter list. */
function fakeBroker() {
  const emitter = new EventEmitter();
  const published: Array<{ topic: string; payload: string; hop: number | undefined }> = [];
  const filters: string[] = [];
  let lookups = 0;
  return {
    published,
    filters,
    get lookups() {
      return lookups;
    },
    on<K extends keyof BrokerEventMap>(event: K, listener: (e: BrokerEventMap[K]) => void) {
      emitter.on(event, listener);
      return () => void emitter.off(event, listener);
    },
    emit<K extends keyof BrokerEventMap>(event: K, e: BrokerEventMap[K]) {
      emitter.emit(event, e);
    },
    hasSubscribers(systemKey: string, topic: string) {
      lookups++;
      return systemKey === SK && filters.some((f) => topicMatches(f, topic));
    },
    publish(_sk: string, topic: string, payload: Buffer | string, opts?: { hop?: number }) {
      published.push({ topic, payload: String(payload), hop: opts?.hop });
      return Promise.resolve();
    },
  };
}

describe('trigger sources and event topics', () => {
  let broker: ReturnType<typeof fakeBroker>;
  let delivered: TriggerEvent[];
  let detach: () => void;
  const events = createPlatformEvents(() => {});
  let triggerActions: Set<string>;

  beforeEach(() => {
    broker = fakeBroker();
    delivered = [];
    triggerActions = new Set();
    const topics = createEventTopics({ broker, log: createMemoryLog(), hopLimit: 8 });
    detach = attachSources({
      broker,
      events,
      wanted: (sk, action) =>
        topics.watched(sk, action) ? 'topic' : triggerActions.has(action) ? 'triggers' : 'none',
      deliver: (e, interest) => {
        delivered.push(e);
        if (interest === 'topic') topics.publishEvent(e, true);
      },
    });
  });
  afterEach(() => detach());

  const publish = (topic: string, hop = 0) =>
    broker.emit('published', {
      systemKey: SK,
      topic,
      payload: Buffer.from('21'),
      qos: 0,
      retain: false,
      publisher: device,
      hop,
      time: 0,
    });

  it('builds nothing and publishes nothing for an event nobody watches', () => {
    publish('sensors/7/temp');
    broker.emit('connected', { identity: device, clientId: 'c' });
    events.emit('device.deleted', {
      systemKey: SK,
      device: {
        name: 'd',
        allow_certificate_auth: false,
        allow_key_auth: true,
        certificate: '',
        created_date: 0,
        description: '',
        device_key: '',
        enabled: true,
        last_active_date: null,
        system_key: SK,
        type: '',
        state: '',
      },
    });
    expect(delivered).to.deep.equal([]);
    expect(broker.published).to.deep.equal([]);
  });

  it('publishes the req.params JSON on the event topic once someone subscribes, with the hop', () => {
    broker.filters.push('$trigger/messaging/#');
    publish('sensors/7/temp', 3);
    broker.emit('connected', { identity: device, clientId: 'c' });
    expect(broker.published).to.deep.equal([
      {
        topic: '$trigger/messaging/publish',
        payload: JSON.stringify({
          topic: 'sensors/7/temp',
          body: '21',
          userId: 'dev7',
          trigger: 'Messaging::Publish',
        }),
        hop: 3,
      },
      {
        topic: '$trigger/messaging/device/connected',
        payload: JSON.stringify({ deviceName: 'dev7', trigger: 'Messaging::MQTTDeviceConnected' }),
        hop: 0,
      },
    ]);
  });

  it('never turns a platform event-topic publish into a Messaging::Publish event', () => {
    triggerActions.add('Messaging::Publish');
    publish('$trigger/messaging/publish');
    publish('$timer/nightly');
    expect(delivered).to.deep.equal([]);
  });

  it('delivers platform bus events to triggers with the filter values they match on', () => {
    triggerActions.add('User::UserCreated');
    events.emit('user.created', { systemKey: SK, user: { user_id: 'u1', email: 'a@x.io' } });
    expect(delivered).to.have.length(1);
    expect(filtersMatch({ email: 'a@x.io' }, delivered[0].filterValues)).to.equal(true);
    expect(filtersMatch({ userId: 'u2' }, delivered[0].filterValues)).to.equal(false);
  });

  it('stops listening when detached', () => {
    triggerActions.add('Messaging::Publish');
    detach();
    publish('a');
    expect(delivered).to.deep.equal([]);
  });
});
