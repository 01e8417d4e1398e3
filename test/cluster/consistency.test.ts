// One platform whichever node answers (README "Running a cluster", the change-feed bound of one
// heartbeat): a role edit on A applies on B and C, and REST on every node sees the same users, services
// and history. "Within the bound" is waited for as two heartbeats of each node after the change
// (heartbeats.ts), never as a sleep.
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { clearBladeHeaders, createRestClient } from '../../bin/cli/rest-client.js';
import { openClients } from '../helpers/clients.js';
import type { NodeId } from './harness.js';
import { collect, mqttOn, sameDevOn, useClusterWorld } from './world.js';

const WAIT_MS = 30_000;
const NODES: readonly NodeId[] = ['a', 'b', 'c'];

/** The SUBACK's granted QoS list (mqtt.js rejects a refused SUBACK with the packet attached). */
async function grantedQos(client: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: unknown } }).packet?.granted;
    if (Array.isArray(granted)) return granted.map(Number);
    throw err;
  }
}

describe('cluster: the same platform on every node (README "Running a cluster")', function () {
  this.timeout(240_000);
  // Durable history: a QoS 1 PUBACK means stored, so a read on another node may follow it at once.
  const w = useClusterWorld('cluster consistency', { cluster: { env: { ISOBAR_HISTORY_DURABLE: '1' } } });
  const clients = openClients();

  it('a role edit on A applies on B and C within the bound (subscribe refused, then granted and delivered)', async () => {
    const sk = w.system.systemKey;
    const rolesPath = `/admin/user/${sk}/roles`;
    const user = await w.dev.request<{ user_id: string }>('POST', `/admin/user/${sk}`, {
      body: { email: 'plant@cluster.local', password: 'plant-pass-1' },
    });
    const role = await w.dev.request<{ role_id: string }>('POST', rolesPath, {
      body: { name: 'Plant', topics: [{ itemInfo: { name: 'plant/#' }, permissions: 2 }] },
    });
    await w.dev.request('PUT', `/admin/user/${sk}`, {
      body: { user: user.user_id, changes: { roles: { add: ['Plant'] } } },
    });
    await w.heartbeats.after(NODES, 2, WAIT_MS);
    const userOn = async (id: NodeId) => {
      const login = await createRestClient(
        w.cluster.node(id).url,
        clearBladeHeaders.system(sk, w.system.systemSecret),
      ).request<{ user_token: string }>('POST', '/api/v/1/user/auth', {
        body: { email: 'plant@cluster.local', password: 'plant-pass-1' },
      });
      const client = await mqttOn(w.cluster.node(id), w.system, `plant-${id}`, { token: login.user_token });
      clients.push(client);
      return client;
    };
    const onB = await userOn('b');
    const onC = await userOn('c');
    for (const [id, c] of [
      ['b', onB],
      ['c', onC],
    ] as const) {
      expect(await grantedQos(c, 'plant/#'), `subscribe on ${id} before the edit`).to.deep.equal([128]);
    }

    const editedAt = Date.now();
    await w.dev.request('PUT', rolesPath, {
      body: { id: role.role_id, changes: { topics: [{ itemInfo: { name: 'plant/#' }, permissions: 3 }] } },
    });
    await w.heartbeats.after(['b', 'c'], 2, WAIT_MS);
    console.log(
      `      role edit on A: asserted on B and C ${Date.now() - editedAt} ms later (two heartbeats)`,
    );
    const got = [collect(onB), collect(onC)];
    for (const [id, c] of [
      ['b', onB],
      ['c', onC],
    ] as const) {
      expect(await grantedQos(c, 'plant/#'), `subscribe on ${id} after the edit`).to.deep.equal([1]);
    }
    const pub = await mqttOn(w.cluster.node('a'), w.system, 'plant-pub');
    clients.push(pub);
    await pub.publishAsync('plant/1/temp', '21.5', { qos: 1 });
    for (const [i, g] of got.entries()) {
      const [m] = await g.until(1, WAIT_MS, `plant/1/temp on ${'bc'[i]}`);
      expect(m.payload).to.equal('21.5');
    }
  });

  it('REST on any node sees the same users and services (within the bound)', async () => {
    const sk = w.system.systemKey;
    await sameDevOn(w.dev, w.cluster.node('c')).request('POST', `/admin/user/${sk}`, {
      body: { email: 'made-on-c@cluster.local', password: 'made-pass-1' },
    });
    await sameDevOn(w.dev, w.cluster.node('b')).request('POST', `/admin/code/v/1/${sk}/echo`, {
      body: { code: 'function echo(req, resp) { resp.success({ got: req.params.x }); }', parameters: ['x'] },
    });
    await w.heartbeats.after(NODES, 2, WAIT_MS);
    for (const id of NODES) {
      const on = sameDevOn(w.dev, w.cluster.node(id));
      const users = await on.request<{ Data?: Array<{ email: string }>; data?: Array<{ email: string }> }>(
        'GET',
        `/admin/user/${sk}`,
      );
      const emails = (users.Data ?? users.data ?? []).map((u) => u.email).sort();
      expect(emails, `users seen on ${id}`).to.include.members([
        'made-on-c@cluster.local',
        'plant@cluster.local',
      ]);
      const services = await on.request<{ code: string[] }>('GET', `/admin/code/v/1/${sk}`);
      expect(services.code, `services seen on ${id}`).to.include('echo');
      const run = await on.request<{ results: unknown; success: boolean }>(
        'POST',
        `/api/v/1/code/${sk}/echo`,
        {
          body: { x: id },
        },
      );
      expect(run, `echo run on ${id}`).to.deep.include({ success: true, results: { got: id } });
    }
  });

  it('history stored from publishes on B and C reads the same on A, B and C', async () => {
    const sk = w.system.systemKey;
    await w.dev.request('PUT', `/api/v/4/message/${sk}/storage`, { body: [{ topic: 'hist/#' }] });
    await w.heartbeats.after(NODES, 2, WAIT_MS);
    for (const id of ['b', 'c'] as const) {
      const pub = await mqttOn(w.cluster.node(id), w.system, `hist-pub-${id}`);
      clients.push(pub);
      for (let i = 0; i < 3; i++) await pub.publishAsync('hist/t', `${id}${i}`, { qos: 1 });
    }
    for (const id of NODES) {
      const page = await sameDevOn(w.dev, w.cluster.node(id)).request<Array<{ payload: string }>>(
        'GET',
        `/api/v/1/message/${sk}`,
        { query: { topic: 'hist/t', count: '0' } },
      );
      expect(page.map((m) => m.payload).sort(), `history read on ${id}`).to.deep.equal([
        'b0',
        'b1',
        'b2',
        'c0',
        'c1',
        'c2',
      ]);
    }
  });
});
