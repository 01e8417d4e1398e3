// The console shell and overview in real chromium: served at /, sign-in (and its refusal shown with the
// code), create a system, the overview's figures follow MQTT traffic, errors from the API are shown.
import { expect } from 'chai';
import mqtt from 'mqtt';
import { harnessPerTest, UI_TIMEOUT_MS } from './browser.js';

describe('console shell (real chromium)', function () {
  this.timeout(60_000);
  const harnesses = harnessPerTest();

  it('serves the console at / with a CSP and revalidating cache headers', async () => {
    const h = await harnesses.start();
    const res = await fetch(`${h.tp.url}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('content-security-policy')).to.include("script-src 'self'");
    const etag = res.headers.get('etag');
    expect(etag).to.be.a('string');
    const again = await fetch(`${h.tp.url}/`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).to.equal(304);
    const js = await fetch(`${h.tp.url}/console/app.js`);
    expect(js.headers.get('content-type')).to.match(/^text\/javascript/);
  });

  it('shows a refused sign-in with its error code, then signs in and creates a system', async () => {
    const h = await harnesses.start();
    const { page } = h;
    await page.goto(`${h.tp.url}/`);
    await page.getByLabel('Email').fill('admin@test.local');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).to.match(/^CB_ERR_AUTH_/);

    await h.signIn();
    const key = await h.createSystem('console demo');
    const systems = (await (
      await fetch(`${h.tp.url}/admin/allsystems`, { headers: { 'ClearBlade-DevToken': await h.devToken() } })
    ).json()) as { appID: string; name: string }[];
    expect(systems.map((s) => [s.appID, s.name])).to.deep.include([key, 'console demo']);
    // Every page of the table is reachable from the nav by keyboard-focusable links.
    const nav = page.getByRole('navigation', { name: 'Pages' });
    expect(await nav.getByRole('link').count()).to.be.at.least(7);
    await nav.getByRole('link', { name: 'Services' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/${key}/services$`));
    expect(h.pageErrors).to.deep.equal([]);
  });

  it("shows the overview's figures following MQTT traffic, without a reload", async () => {
    const h = await harnesses.start();
    await h.signIn();
    const key = await h.createSystem('traffic');
    const { page } = h;
    const received = page.locator('[data-figure="received"] .sub');
    await received.waitFor();
    expect(await received.textContent()).to.equal('0 total');

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(h.tp.ports.mqtt)}`, {
      username: await h.devToken(),
      password: key,
      reconnectPeriod: 0,
    });
    try {
      await client.subscribeAsync('demo/#');
      await client.publishAsync('demo/a', 'one', { qos: 1 });
      await client.publishAsync('demo/a', 'two', { qos: 1 });
      // The page polls; this waits (bounded) for the next poll to show the two messages and the connection.
      await page
        .locator('[data-figure="received"] .sub', { hasText: '2 total' })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('[data-figure="connections"] .value', { hasText: /^1$/ }).waitFor();
      expect(await page.locator('[data-figure="subscriptions"] .value').textContent()).to.equal('1');
    } finally {
      await client.endAsync();
    }
  });

  it('shows an API refusal on a page with its code (a system key that is not the developer’s)', async () => {
    const h = await harnesses.start();
    await h.signIn();
    await h.open('nosuchsystem', 'overview');
    const alert = h.page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.textContent()).to.include('nosuchsystem');
  });
});
