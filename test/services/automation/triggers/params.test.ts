import { expect } from 'chai';
import type { ClientIdentity } from '../../../../broker/types.js';
import type { DeviceEventRecord } from '../../../../services/kernel/events.js';
import {
  connectionEvent,
  deviceRecordEvent,
  deviceUpdatedEvent,
  EDGE_ACTIONS,
  edgeEvent,
  platformStartedEvent,
  publishEvent,
  subscriptionEvent,
  userChangedEvent,
  userCreatedEvent,
  userRoleEvent,
} from '../../../../services/automation/triggers/params.js';

const SK = 'sk1';
const user: ClientIdentity = { kind: 'user', id: 'u1', name: 'ann@x.io', systemKey: SK };
const device: ClientIdentity = { kind: 'device', id: 'dev7', name: 'dev7', systemKey: SK };
const record: DeviceEventRecord = {
  name: 'dev7',
  allow_certificate_auth: false,
  allow_key_auth: true,
  certificate: '',
  created_date: 1700000000000,
  description: 'boiler',
  device_key: `${SK} :: dev7`,
  enabled: true,
  last_active_date: null,
  system_key: SK,
  type: 'sensor',
  state: 'on',
};
// What DeviceCreated/DeviceDeleted hand a service: the record without `name` and `state` (reference §4.3).
const { name: _name, state: _state, ...deviceParams } = record;

describe('trigger req.params (reference §4.3)', () => {
  it('Messaging::Publish gives {topic, body, userId, trigger} and carries the hop', () => {
    const e = publishEvent({
      systemKey: SK,
      topic: 'sensors/7/temp',
      payload: Buffer.from('{"t":21}'),
      qos: 0,
      retain: false,
      publisher: device,
      hop: 2,
      time: 0,
    });
    expect(e.params).to.deep.equal({
      topic: 'sensors/7/temp',
      body: '{"t":21}',
      userId: 'dev7',
      trigger: 'Messaging::Publish',
    });
    expect(e.filterValues).to.deep.equal({ topic: 'sensors/7/temp' });
    expect(e.hop).to.equal(2);
  });

  it('Messaging::Subscribe and Unsubscribe give the filter as topic with an empty body', () => {
    expect(subscriptionEvent('Messaging::Subscribe', user, 'a/+').params).to.deep.equal({
      topic: 'a/+',
      body: '',
      userId: 'u1',
      trigger: 'Messaging::Subscribe',
    });
    expect(subscriptionEvent('Messaging::Unsubscribe', user, 'a/+').params).to.have.property(
      'trigger',
      'Messaging::Unsubscribe',
    );
  });

  it('MQTTUser(Dis)Connected gives {email}; MQTTDevice(Dis)Connected gives {deviceName}', () => {
    const cases = [
      [user, true, { email: 'ann@x.io', trigger: 'Messaging::MQTTUserConnected' }],
      [user, false, { email: 'ann@x.io', trigger: 'Messaging::MQTTUserDisconnected' }],
      [device, true, { deviceName: 'dev7', trigger: 'Messaging::MQTTDeviceConnected' }],
      [device, false, { deviceName: 'dev7', trigger: 'Messaging::MQTTDeviceDisconnected' }],
    ] as const;
    for (const [who, connected, params] of cases) {
      expect(
        connectionEvent(who, connected)?.params,
        `${who.kind} connected=${String(connected)}`,
      ).to.deep.equal(params);
    }
    expect(connectionEvent({ ...user, kind: 'developer' }, true)).to.equal(undefined);
  });

  it('UserCreated gives {user: {creation_date, email, user_id}}', () => {
    const e = userCreatedEvent({
      systemKey: SK,
      user: { user_id: 'u1', email: 'ann@x.io', creation_date: Date.UTC(2026, 0, 2) },
    });
    expect(e.params).to.deep.equal({
      user: { creation_date: '2026-01-02T00:00:00.000Z', email: 'ann@x.io', user_id: 'u1' },
      trigger: 'User::UserCreated',
    });
    expect(e.filterValues).to.deep.equal({ userId: 'u1', email: 'ann@x.io' });
  });

  it('UserUpdated and UserDeleted give {user: {email, user_id}, query}', () => {
    const u = { user_id: 'u1', email: 'ann@x.io' };
    const updated = userChangedEvent('User::UserUpdated', {
      systemKey: SK,
      user: u,
      changes: { email: 'x' },
    });
    expect(updated.params).to.deep.equal({
      user: u,
      query: { FILTERS: [[{ EQ: [{ user_id: 'u1' }] }]] },
      trigger: 'User::UserUpdated',
    });
    expect(userChangedEvent('User::UserDeleted', { systemKey: SK, user: u }).params).to.have.property(
      'trigger',
      'User::UserDeleted',
    );
  });

  it('DeviceCreated and DeviceDeleted give {deviceName, device} with the listed fields only', () => {
    for (const trigger of ['Device::DeviceCreated', 'Device::DeviceDeleted'] as const) {
      expect(deviceRecordEvent(trigger, { systemKey: SK, device: record }).params, trigger).to.deep.equal({
        deviceName: 'dev7',
        device: deviceParams,
        trigger,
      });
    }
  });

  it('DeviceUpdated gives {deviceName, changes} as a copy', () => {
    const changes = { state: 'off' };
    const e = deviceUpdatedEvent({ systemKey: SK, deviceName: 'dev7', changes });
    changes.state = 'mutated later';
    expect(e.params).to.deep.equal({
      deviceName: 'dev7',
      changes: { state: 'off' },
      trigger: 'Device::DeviceUpdated',
    });
  });

  it('UserRoleAdded and UserRoleRemoved give {roleID, roles, topicPath, trigger, userID}', () => {
    const e = { systemKey: SK, userId: 'u1', roleId: 'r1', roleName: 'Ops' };
    expect(userRoleEvent('UserRoles::UserRoleAdded', e).params).to.deep.equal({
      roleID: 'r1',
      roles: ['Ops'],
      topicPath: '',
      userID: 'u1',
      trigger: 'UserRoles::UserRoleAdded',
    });
    expect(userRoleEvent('UserRoles::UserRoleRemoved', e).params).to.have.property(
      'trigger',
      'UserRoles::UserRoleRemoved',
    );
  });

  it('PlatformStarted and the edge actions give only the trigger name', () => {
    expect(platformStartedEvent(SK).params).to.deep.equal({
      trigger: 'StartConnectDisconnect::PlatformStarted',
    });
    for (const action of Object.values(EDGE_ACTIONS)) {
      expect(edgeEvent(SK, action).params).to.deep.equal({ trigger: action });
    }
  });
});
