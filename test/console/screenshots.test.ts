// Screenshots of every console page at 1280×800 (light, plus the overview in dark). `npm run screenshots`
// writes them to docs/console/ (ISOBAR_SCREENSHOTS=docs/console); under `npm test` they go to a temp dir, so
// the test still proves every page renders in chromium without an uncaught error.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startConsoleHarness, type ConsoleHarness } from './browser.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** A service, a few runs (one failing) and some MQTT traffic, so the pages have something to show. */
async function seed(h: ConsoleHarness, systemKey: string): Promise<void> {
  const headers = { 'content-type': 'application/json', 'ClearBlade-DevToken': await h.devToken() };
  const code = `function hello(req, resp) {
  if (req.params.fail) throw new Error('asked to fail');
  log('hello ' + (req.params.name || 'world'));
  resp.success('hello ' + (req.params.name || 'world'));
}`;
  const created = await fetch(`${h.tp.url}/admin/code/v/1/${systemKey}/hello`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ code, parameters: ['name', 'fail'] }),
  });
  expect(created.status).to.equal(200);
  for (const params of [{ name: 'a' }, { name: 'b' }, { fail: true }]) {
    await fetch(`${h.tp.url}/api/v/1/code/${systemKey}/hello`, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
    });
  }
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(h.tp.ports.mqtt)}`, {
    username: await h.devToken(),
    password: systemKey,
    reconnectPeriod: 0,
  });
  await client.subscribeAsync('sensors/#');
  for (let i = 0; i < 5; i++)
    await client.publishAsync(`sensors/${String(i)}`, JSON.stringify({ t: i }), { qos: 1 });
  await client.endAsync();
}

describe('console screenshots (real chromium, 1280×800)', function () {
  this.timeout(90_000);
  const dir = process.env.ISOBAR_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'isobar-shots-'));
  let h: ConsoleHarness | undefined;
  after(async () => {
    await h?.close();
    if (process.env.ISOBAR_SCREENSHOTS === undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('saves a PNG of every page of the nav, and of the overview in dark mode', async () => {
    // One sample a second: the overview's charts have points within the test.
    h = await startConsoleHarness({ overrides: { 'metrics.sampleS': 1 } });
    const { page } = h;
    await h.signIn();
    await h.screenshot(dir, '00-systems');
    const key = await h.createSystem('greenhouse');
    await seed(h, key);
    // The overview's charts once two samples exist (a line path is drawn), and the runs counted.
    await page.locator('[data-figure="runs"] .sub', { hasText: '3 total' }).waitFor();
    await page.locator('.chart path.line[d^="M"]').first().waitFor();
    const nav = page.getByRole('navigation', { name: 'Pages' }).getByRole('link');
    const hrefs = await nav.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.length).to.be.at.least(7);
    const saved: string[] = [];
    for (const [i, href] of hrefs.entries()) {
      const id = href.split('/').at(-1) ?? String(i);
      await h.open(key, id);
      saved.push(await h.screenshot(dir, `${String(i + 1).padStart(2, '0')}-${id}`));
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await h.open(key, 'overview');
    await page.locator('.chart path.line[d^="M"]').first().waitFor();
    saved.push(await h.screenshot(dir, '01-overview-dark'));
    for (const p of saved) expect(readFileSync(p).subarray(0, 4).equals(PNG), p).to.equal(true);
    expect(h.pageErrors).to.deep.equal([]);
  });
});
