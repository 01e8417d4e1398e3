// The Messages, Triggers & timers, Users/devices/roles and Edges pages in real chromium: a Messaging::Publish
// trigger added in the console runs a service whose output arrives in the topic explorer after a publish
// from it; a timer shows its next runs; a user and a role are created, the role edited and checked; an edge
// is registered and an asset deployed.
import { expect } from 'chai';
import { harnessPerTest, submitForm, type ConsoleHarness } from './browser.js';

/** A developer REST call beside the browser (seeding and checking what the console did). */
async function rest<T>(h: ConsoleHarness, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${h.tp.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'ClearBlade-DevToken': await h.devToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${String(res.status)} ${text}`);
  return JSON.parse(text) as T;
}

const ECHO = `function Echo(req, resp) {
  ClearBlade.Messaging().publish('echo/out', 'echo of ' + req.params.topic + ': ' + req.params.body);
  resp.success('ok');
}`;

/** Seeds the Echo service (the trigger's and the edge's service). */
const seedEcho = (h: ConsoleHarness, sk: string): Promise<unknown> =>
  rest(h, 'POST', `/admin/code/v/1/${sk}/Echo`, { code: ECHO });

describe('console messages, automation, identity and edges (real chromium)', function () {
  this.timeout(90_000);
  const harnesses = harnessPerTest();

  it('adds a Messaging::Publish trigger, publishes from the topic explorer and watches the output arrive', async () => {
    const { h, sk, before, page } = await harnesses.onPage('messages demo', 'automation', seedEcho);
    const trigger = {
      'Trigger name': 'echo-in',
      Module: 'Messaging',
      Action: 'Publish',
      'Filter topic': 'echo/in/#',
      Service: 'Echo',
    };
    await submitForm(page, 'Create a trigger', trigger, 'Create trigger');
    await page.getByRole('status').filter({ hasText: 'Created trigger echo-in' }).waitFor();
    const triggers = await rest<
      { name: string; key_value_pairs: Record<string, string>; service_name: string }[]
    >(h, 'GET', `/admin/triggers/handlers/${sk}`);
    expect(triggers.map((t) => [t.name, t.key_value_pairs.topic, t.service_name])).to.deep.equal([
      ['echo-in', 'echo/in/#', 'Echo'],
    ]);
    await page.getByRole('table', { name: 'Triggers' }).getByText('Messaging::Publish').waitFor();

    // A timer: created in the form, its next runs computed in the page (60 s apart).
    const timer = {
      'Timer name': 'tick',
      'Start (RFC 3339 or Now)': '2099-01-01T00:00:00Z',
      'Every (seconds)': '60',
      'Repeats (-1 forever)': '-1',
    };
    await submitForm(page, 'Create a timer', timer, 'Create timer');
    await page.getByRole('status').filter({ hasText: 'Created timer tick' }).waitFor();
    const runs = page.getByRole('table', { name: 'Timers' }).locator('.next-runs');
    await runs.waitFor();
    expect((await runs.textContent())?.split(' · ')).to.have.length(3);

    await h.open(sk, 'messages');
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    const sub = page.getByRole('form', { name: 'Subscribe' });
    await sub.getByLabel('Topic filter').fill('echo/#');
    await sub.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.getByRole('list', { name: 'Subscriptions' }).getByText('echo/#').waitFor();
    const pub = page.getByRole('form', { name: 'Publish' });
    await pub.getByLabel('Topic').fill('echo/in/1');
    await pub.getByLabel('Payload').fill('ping');
    await pub.getByLabel('QoS').selectOption('1');
    await pub.getByRole('button', { name: 'Publish' }).click();
    const live = page.getByRole('table', { name: 'Live messages' });
    // The explorer's own message, then the service's output the trigger produced from it.
    await live.getByText('echo of echo/in/1: ping').waitFor();
    await live.getByText('echo/in/1', { exact: true }).waitFor();

    // Retained: published with retain from the explorer, it is listed once a filter delivers it.
    await pub.getByLabel('Topic').fill('state/pump');
    await pub.getByLabel('Payload').fill('on');
    await pub.getByLabel('Retain').check();
    await pub.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published to state/pump (retained)' }).waitFor();
    await sub.getByLabel('Topic filter').fill('state/#');
    await sub.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.getByRole('table', { name: 'Retained topics' }).getByText('state/pump').waitFor();
    expect(h.pageErrors.slice(before)).to.deep.equal([]);
  });

  it('creates a user and a role, edits the role and checks a topic against it', async () => {
    const { h, sk, before, page } = await harnesses.onPage('identity demo', 'identity');

    const ann = { 'User email': 'ann@example.com', 'User password': 'ann-pass-123' };
    await submitForm(page, 'Create a user', ann, 'Create user');
    await page.getByRole('table', { name: 'Users' }).getByText('ann@example.com').waitFor();

    await page.getByRole('tab', { name: 'Roles' }).click();
    await submitForm(page, 'Create a role', { 'Role name': 'Plant' }, 'Create role');
    const editor = page.getByRole('form', { name: 'Role Plant' });
    await editor.getByRole('button', { name: 'Add topic filter' }).click();
    await editor.getByLabel('topic filter 1', { exact: true }).fill('plant/+/rpm');
    await editor.getByLabel('plant/+/rpm subscribe', { exact: true }).uncheck();
    await editor.getByLabel('Topic or filter to check').fill('plant/pump-1/rpm');
    const verdict = editor.getByLabel('Topic check result');
    expect(await verdict.textContent()).to.include('Yes (granted by plant/+/rpm)');
    await editor.getByLabel('May this role').selectOption('subscribe');
    expect((await verdict.textContent())?.trim()).to.equal('No');
    await editor.getByLabel('users read').check();
    await editor.getByRole('button', { name: 'Save role' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved role Plant' }).waitFor();

    const roles = await rest<
      { Name: string; Permissions: { Topics: unknown[]; UsersList: { Level: number } } }[]
    >(h, 'GET', `/admin/user/${sk}/roles`);
    const plant = roles.find((r) => r.Name === 'Plant');
    expect(plant?.Permissions.Topics).to.deep.equal([{ Name: 'plant/+/rpm', Level: 2 }]);
    expect(plant?.Permissions.UsersList.Level).to.equal(1);

    // Give the role to the user from the users tab.
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Roles of ann@example.com' }).click();
    const member = page.getByRole('form', { name: 'Roles of ann@example.com' });
    await member.getByLabel('Plant').check();
    await member.getByRole('button', { name: 'Save roles' }).click();
    await page.getByRole('status').filter({ hasText: 'Roles of ann@example.com saved' }).waitFor();
    const users = await rest<{ Data: { user_id: string }[] }>(h, 'GET', `/admin/user/${sk}`);
    const held = await rest<{ Name: string }[]>(
      h,
      'GET',
      `/admin/user/${sk}/roles?user=${users.Data[0].user_id}`,
    );
    expect(held.map((r) => r.Name)).to.include('Plant');

    // A refused call shows its code: a second user with the same email.
    await submitForm(page, 'Create a user', ann, 'Create user');
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).to.match(/^CB_ERR_/);
    expect(h.pageErrors.slice(before)).to.deep.equal([]);
  });

  it('registers an edge, deploys a service to it and undeploys it', async () => {
    const { h, sk, before, page } = await harnesses.onPage('edges demo', 'edges', seedEcho);
    await submitForm(page, 'Register an edge', { 'Edge name': 'site-a' }, 'Register edge');
    await page.getByRole('table', { name: 'Edges' }).getByText('disconnected').waitFor();
    await page.getByText('shown once').waitFor();
    await page.getByRole('button', { name: 'Assets of site-a' }).click();
    await submitForm(page, 'Deploy an asset', { 'Asset kind': 'service', 'Asset name': 'Echo' }, 'Deploy');
    await page.getByRole('button', { name: 'Undeploy service Echo' }).waitFor();
    expect(await rest(h, 'GET', `/admin/edges/sync/${sk}/site-a`)).to.deep.equal([
      { asset_class: 'service', asset_id: 'Echo' },
    ]);
    await page.getByRole('button', { name: 'Undeploy service Echo' }).click();
    await page.getByText('Nothing deployed to this edge.').waitFor();
    expect(await rest(h, 'GET', `/admin/edges/sync/${sk}/site-a`)).to.deep.equal([]);
    expect(h.pageErrors.slice(before)).to.deep.equal([]);
  });
});
