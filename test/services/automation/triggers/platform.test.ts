// Triggers over a whole platform: REST routes and codes, every module/action delivering its req.params to
// a real service in a real isolate, the hop limit, and the cascade when a service is deleted.
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { tempDataDir } from '../../../helpers/platform.js';
import { Rest } from '../../../../examples/workflows/workflows.js';
import { ECHO_SERVICE, messages, refusal, startRig, type Rig } from '../rig.js';

describe('triggers over the platform', () => {
  let rig: Rig;
  let sk: string;
  const trigger = (name: string, def_module: string, def_name: string, kvp: Record<string, string> = {}) =>
    rig.dev.call('POST', `/admin/triggers/handlers/${sk}/${name}`, {
      def_module,
      def_name,
      key_value_pairs: kvp,
      service_name: 'echo',
    });

  beforeEach(async () => {
    rig = await startRig();
    sk = rig.ws.systemKey;
    await rig.createService('echo', ECHO_SERVICE);
  });
  afterEach(() => rig.close());

  it('lists definitions and keeps a trigger in the stored form of reference §4.2', async () => {
    const defs = (await rig.dev.call('GET', '/admin/triggers/definitions')) as Array<Record<string, unknown>>;
    expect(defs).to.deep.include({ def_module: 'Messaging', def_name: 'Publish', def_keys: ['topic'] });
    const created = await trigger('t1', 'Messaging', 'Publish', { topic: 'in/#' });
    expect(created).to.deep.equal({
      name: 't1',
      system_key: sk,
      system_secret: rig.ws.systemSecret,
      event_definition: {
        def_module: 'Messaging',
        def_name: 'Publish',
        def_keys: ['topic'],
        visibility: true,
      },
      key_value_pairs: { topic: 'in/#' },
      service_name: 'echo',
    });
    expect(await rig.dev.call('GET', `/admin/triggers/handlers/${sk}`)).to.deep.equal([created]);
    const updated = (await rig.dev.call('PUT', `/admin/triggers/handlers/${sk}/t1`, {
      key_value_pairs: { topic: 'other/+' },
    })) as { key_value_pairs: unknown };
    expect(updated.key_value_pairs).to.deep.equal({ topic: 'other/+' });
    await rig.dev.call('DELETE', `/admin/triggers/handlers/${sk}/t1`);
    const gone = await refusal(rig.dev.call('GET', `/admin/triggers/handlers/${sk}/t1`));
    expect(gone).to.include({ statusCode: 404, code: 'CB_ERR_TRIGGER_UNKNOWN' });
  });

  it('refuses bad input at creation with 4xx and stable codes', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [
        { def_module: 'Messaging', def_name: 'Nope', service_name: 'echo' },
        400,
        'CB_ERR_TRIGGER_UNKNOWN_DEFINITION',
      ],
      [
        { def_module: 'Messaging', def_name: 'Publish', service_name: 'ghost' },
        400,
        'CB_ERR_TRIGGER_SERVICE_MISSING',
      ],
      [
        {
          def_module: 'Messaging',
          def_name: 'Publish',
          key_value_pairs: { topic: 'a/#/b' },
          service_name: 'echo',
        },
        400,
        'CB_ERR_TRIGGER_BAD_FILTER',
      ],
    ];
    for (const [body, status, code] of cases) {
      const err = await refusal(rig.dev.call('POST', `/admin/triggers/handlers/${sk}/bad`, body));
      expect(err, code).to.include({ statusCode: status, code });
    }
  });

  it('lets users manage triggers only with the triggers permission and execute on the service', async () => {
    const user = await rig.createUser('ann@x.io');
    const asUser = new Rest(rig.tp.url, { 'ClearBlade-UserToken': user.token });
    const body = { def_module: 'User', def_name: 'UserCreated', service_name: 'echo' };
    const denied = await refusal(asUser.call('POST', `/api/v/3/code/${sk}/trigger/mine`, body));
    expect(denied).to.include({ statusCode: 403, code: 'CB_ERR_AUTH_FORBIDDEN' });
    await rig.grant({ triggers: { permissions: 15 } });
    // a trigger runs its service without the execute check, so creating one needs that permission
    const noExecute = await refusal(asUser.call('POST', `/api/v/3/code/${sk}/trigger/mine`, body));
    expect(noExecute).to.include({ statusCode: 403, code: 'CB_ERR_AUTH_FORBIDDEN' });
    await rig.grant({
      triggers: { permissions: 15 },
      services: [{ itemInfo: { name: 'echo' }, permissions: 1 }],
    });
    await asUser.call('POST', `/api/v/3/code/${sk}/trigger/mine`, body);
    const list = (await asUser.call('GET', `/api/v/3/code/${sk}/triggers`)) as Array<{ name: string }>;
    expect(list.map((t) => t.name)).to.deep.equal(['mine']);
    await asUser.call('DELETE', `/api/v/3/code/${sk}/trigger/mine`);
  });

  it('delivers every module/action to its service with req.params as reference §4.3', async () => {
    await rig.grant({
      topics: [
        { itemInfo: { name: 'in/#' }, permissions: 2 },
        { itemInfo: { name: 'watch/#' }, permissions: 1 },
      ],
    });
    const watcher = await rig.mqtt(rig.devToken, 'echo-watcher');
    await watcher.subscribeAsync('echo/#');
    const email = 'bob@x.io';
    await trigger('pub', 'Messaging', 'Publish', { topic: 'in/#' });
    await trigger('sub', 'Messaging', 'Subscribe', { topic: 'watch/#' });
    await trigger('unsub', 'Messaging', 'Unsubscribe', { topic: 'watch/#' });
    await trigger('uconn', 'Messaging', 'MQTTUserConnected', { email });
    await trigger('udisc', 'Messaging', 'MQTTUserDisconnected', { email });
    await trigger('dconn', 'Messaging', 'MQTTDeviceConnected', { deviceName: 'probe' });
    await trigger('ddisc', 'Messaging', 'MQTTDeviceDisconnected', { deviceName: 'probe' });
    await trigger('ucre', 'User', 'UserCreated', { email });
    await trigger('uupd', 'User', 'UserUpdated');
    await trigger('udel', 'User', 'UserDeleted');
    await trigger('dcre', 'Device', 'DeviceCreated', { deviceName: 'probe' });
    await trigger('dupd', 'Device', 'DeviceUpdated', { deviceName: 'probe' });
    await trigger('ddel', 'Device', 'DeviceDeleted', { deviceName: 'probe' });
    // a new user is given Authenticated: filter on the role this test adds and removes
    await trigger('radd', 'UserRoles', 'UserRoleAdded', { roleID: 'Administrator' });
    await trigger('rrem', 'UserRoles', 'UserRoleRemoved', { roleID: 'Administrator' });
    // role changes also count as user updates, so wait for the first message of each of the 15 topics
    const all = messages(watcher, 15, (t) => t.startsWith('echo/'), 10_000, true);

    const user = await rig.createUser(email);
    const client = await rig.mqtt(user.token, 'bob-client');
    await client.subscribeAsync('watch/a');
    await client.unsubscribeAsync('watch/a');
    await client.publishAsync('in/x', 'hello');
    await client.endAsync();
    const deviceToken = await rig.createDevice('probe');
    const device = await rig.mqtt(deviceToken, 'probe-client');
    await device.endAsync();
    await rig.dev.call('PUT', `/admin/devices/${sk}/probe`, { state: 'hot' });
    await rig.dev.call('DELETE', `/admin/devices/${sk}/probe`);
    await rig.dev.call('PUT', `/admin/user/${sk}`, {
      user: user.id,
      changes: { roles: { add: ['Administrator'] } },
    });
    await rig.dev.call('PUT', `/admin/user/${sk}`, {
      user: user.id,
      changes: { roles: { delete: ['Administrator'] } },
    });
    await rig.dev.call('DELETE', `/admin/user/${sk}?user=${user.id}`);

    const byTopic = new Map((await all).map((m) => [m.topic.slice('echo/'.length), m.json]));
    const ids = { userId: user.id };
    expect(byTopic.get('Messaging/Publish')).to.deep.equal({
      topic: 'in/x',
      body: 'hello',
      userId: user.id,
      trigger: 'Messaging::Publish',
    });
    expect(byTopic.get('Messaging/Subscribe')).to.deep.equal({
      topic: 'watch/a',
      body: '',
      ...ids,
      trigger: 'Messaging::Subscribe',
    });
    expect(byTopic.get('Messaging/Unsubscribe')).to.include({
      topic: 'watch/a',
      trigger: 'Messaging::Unsubscribe',
    });
    expect(byTopic.get('Messaging/MQTTUserConnected')).to.deep.equal({
      email,
      trigger: 'Messaging::MQTTUserConnected',
    });
    expect(byTopic.get('Messaging/MQTTUserDisconnected')).to.deep.equal({
      email,
      trigger: 'Messaging::MQTTUserDisconnected',
    });
    expect(byTopic.get('Messaging/MQTTDeviceConnected')).to.deep.equal({
      deviceName: 'probe',
      trigger: 'Messaging::MQTTDeviceConnected',
    });
    expect(byTopic.get('Messaging/MQTTDeviceDisconnected')).to.deep.equal({
      deviceName: 'probe',
      trigger: 'Messaging::MQTTDeviceDisconnected',
    });
    const created = byTopic.get('User/UserCreated') as { user: Record<string, unknown> };
    expect(created.user).to.include({ email, user_id: user.id }).and.to.have.property('creation_date');
    expect(byTopic.get('User/UserUpdated')).to.deep.include({ user: { email, user_id: user.id } });
    expect(byTopic.get('User/UserUpdated')).to.have.property('query');
    expect(byTopic.get('User/UserDeleted')).to.deep.include({ user: { email, user_id: user.id } });
    const device0 = byTopic.get('Device/DeviceCreated') as {
      deviceName: string;
      device: Record<string, unknown>;
    };
    expect(device0.deviceName).to.equal('probe');
    expect(device0.device).to.have.all.keys(
      'allow_certificate_auth',
      'allow_key_auth',
      'certificate',
      'created_date',
      'description',
      'device_key',
      'enabled',
      'last_active_date',
      'system_key',
      'type',
    );
    expect(byTopic.get('Device/DeviceUpdated')).to.deep.include({
      deviceName: 'probe',
      trigger: 'Device::DeviceUpdated',
    });
    expect(byTopic.get('Device/DeviceUpdated')).to.have.nested.property('changes.state', 'hot');
    expect(byTopic.get('Device/DeviceDeleted')).to.include({ deviceName: 'probe' });
    expect(byTopic.get('UserRoles/UserRoleAdded')).to.deep.equal({
      roleID: 'Administrator',
      roles: ['Administrator'],
      topicPath: '',
      userID: user.id,
      trigger: 'UserRoles::UserRoleAdded',
    });
    expect(byTopic.get('UserRoles/UserRoleRemoved')).to.include({
      userID: user.id,
      trigger: 'UserRoles::UserRoleRemoved',
    });
  });

  it('stops a service that re-triggers itself at the hop limit with a logged error', async () => {
    await rig.createService(
      'looper',
      `function looper(req, resp) { ClearBlade.Messaging().publish('loop/x', 'again'); resp.success('ok'); }`,
    );
    await rig.onPublish('loop', 'loop/#', 'looper');
    const watcher = await rig.mqtt(rig.devToken, 'loop-watcher');
    await watcher.subscribeAsync('loop/#');
    const limit = rig.tp.config.engine.hopLimit;
    const seen = messages(watcher, limit + 1, (t) => t === 'loop/x').catch(() => []);
    const hop = new Promise<void>((resolve) => {
      const off = rig.tp.platform.broker.on('published', (m) => {
        if (m.topic === 'loop/x' && m.hop === limit) {
          off();
          resolve();
        }
      });
    });
    await watcher.publishAsync('loop/x', '"start"');
    await hop;
    expect(await seen).to.have.length(limit + 1); // the device's publish and one per chained service
    await rig.tp.platform.automation.dispatcher.idle();
    // The publish at the limit fires one more job; the invoke door refuses it and the trigger logs the code.
    const refused = rig.tp.log.lines.filter((l) => l.code === 'CB_ERR_SANDBOX_DEPTH');
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include({ service: 'looper', source: 'trigger loop' });
  });

  it('runs StartConnectDisconnect::PlatformStarted triggers when the platform starts', async () => {
    const dataDir = tempDataDir();
    await rig.close();
    rig = await startRig({ dataDir });
    try {
      sk = rig.ws.systemKey;
      // retained, so a subscriber connecting after the start still sees what the service published
      await rig.createService(
        'started',
        `function started(req, resp) { ClearBlade.Messaging().publish('boot/' + req.params.trigger, JSON.stringify(req.params), 0, true); resp.success(''); }`,
      );
      await rig.dev.call('POST', `/admin/triggers/handlers/${sk}/boot`, {
        def_module: 'StartConnectDisconnect',
        def_name: 'PlatformStarted',
        service_name: 'started',
      });
      await rig.close();
      rig = await startRig({ dataDir, systemKey: sk });
      const watcher = await rig.mqtt(rig.devToken, 'boot-watcher');
      const boot = messages(watcher, 1);
      await watcher.subscribeAsync('boot/#');
      const [m] = await boot;
      expect(m.json).to.deep.equal({ trigger: 'StartConnectDisconnect::PlatformStarted' });
    } finally {
      await rig.close();
      rmSync(dataDir, { recursive: true, force: true });
      rig = await startRig(); // afterEach closes this one
    }
  });

  it('removes the triggers and timers of a deleted service', async () => {
    await trigger('t', 'Device', 'DeviceCreated');
    await rig.dev.call('POST', `/admin/triggers/timers/${sk}/tm`, {
      repeats: -1,
      frequency: 3600,
      service_name: 'echo',
    });
    await rig.dev.call('DELETE', `/admin/code/v/1/${sk}/echo`);
    expect(await refusal(rig.dev.call('GET', `/admin/triggers/handlers/${sk}/t`))).to.include({
      code: 'CB_ERR_TRIGGER_UNKNOWN',
    });
    expect(await refusal(rig.dev.call('GET', `/admin/triggers/timers/${sk}/tm`))).to.include({
      code: 'CB_ERR_TIMER_UNKNOWN',
    });
  });
});
