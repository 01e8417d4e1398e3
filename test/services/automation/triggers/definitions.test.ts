import { expect } from 'chai';
import { thrownBy } from '../../../helpers/errors.js';
import {
  DEFINITIONS,
  definitionOf,
  validateFilters,
} from '../../../../services/automation/triggers/definitions.js';

describe('trigger definitions', () => {
  it('lists every module/action of the issue with its filter keys', () => {
    const keys = DEFINITIONS.map((d) => `${d.def_module}::${d.def_name}`);
    expect(keys).to.include.members([
      'Messaging::Publish',
      'Messaging::Subscribe',
      'Messaging::Unsubscribe',
      'Messaging::MQTTUserConnected',
      'Messaging::MQTTUserDisconnected',
      'Messaging::MQTTDeviceConnected',
      'Messaging::MQTTDeviceDisconnected',
      'User::UserCreated',
      'User::UserUpdated',
      'User::UserDeleted',
      'Device::DeviceCreated',
      'Device::DeviceUpdated',
      'Device::DeviceDeleted',
      'UserRoles::UserRoleAdded',
      'UserRoles::UserRoleRemoved',
      'StartConnectDisconnect::PlatformStarted',
    ]);
    expect(definitionOf('Messaging', 'Publish').def_keys).to.deep.equal(['topic']);
    expect(definitionOf('Device', 'DeviceCreated').def_keys).to.deep.equal(['deviceName']);
  });

  it('refuses an unknown module or action with CB_ERR_TRIGGER_UNKNOWN_DEFINITION', () => {
    expect(thrownBy(() => definitionOf('Messaging', 'Explode'))).to.have.property(
      'code',
      'CB_ERR_TRIGGER_UNKNOWN_DEFINITION',
    );
    expect(thrownBy(() => definitionOf('Nope', 'Publish'))).to.have.property(
      'code',
      'CB_ERR_TRIGGER_UNKNOWN_DEFINITION',
    );
  });

  it('accepts a valid MQTT filter as the topic filter and drops empty values', () => {
    const def = definitionOf('Messaging', 'Publish');
    expect(validateFilters(def, { topic: 'sensors/+/temp' })).to.deep.equal({ topic: 'sensors/+/temp' });
    expect(validateFilters(def, { topic: '' })).to.deep.equal({});
    expect(validateFilters(def, undefined)).to.deep.equal({});
  });

  it('refuses a topic filter that is not a valid MQTT filter with CB_ERR_TRIGGER_BAD_FILTER', () => {
    const def = definitionOf('Messaging', 'Publish');
    for (const topic of ['a/#/b', 'a+/b', 'x#']) {
      expect(thrownBy(() => validateFilters(def, { topic }))).to.have.property(
        'code',
        'CB_ERR_TRIGGER_BAD_FILTER',
      );
    }
  });

  it('refuses a filter key the action does not define, or a non-string value', () => {
    const def = definitionOf('Device', 'DeviceCreated');
    expect(thrownBy(() => validateFilters(def, { topic: 'a' }))).to.have.property(
      'code',
      'CB_ERR_TRIGGER_BAD_FILTER',
    );
    expect(thrownBy(() => validateFilters(def, { deviceName: 3 }))).to.have.property(
      'code',
      'CB_ERR_TRIGGER_BAD_FILTER',
    );
    expect(thrownBy(() => validateFilters(def, ['x']))).to.have.property('code', 'CB_ERR_TRIGGER_BAD_FILTER');
  });
});
