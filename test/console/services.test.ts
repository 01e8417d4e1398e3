// The Services and Live logs pages in real chromium: a deliberate syntax error is marked inline before any
// save (the platform's own compile check), fixed, saved as versions, test-run with JSON parameters (result,
// log and run time shown), its log line arrives live on the Live logs page, and a version is rolled back.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { harnessPerTest } from './browser.js';

/** Replaces the editor's text (insertText: no key events, so no auto-closed brackets). */
async function setSource(page: Page, code: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(code);
}

const broken = 'function Greet(req: CbServer.BasicReq, resp: CbServer.Resp) {\n  resp.success("hi " + ;\n}\n';
const v1 =
  'function Greet(req: CbServer.BasicReq, resp: CbServer.Resp) {\n  log("greeting " + req.params.who);\n  resp.success("hi " + req.params.who);\n}\n';
const v2 = v1.replace('"hi "', '"hello "');

describe('console services and live logs (real chromium)', function () {
  this.timeout(90_000);
  const harnesses = harnessPerTest();

  it('marks a syntax error inline, test-runs with parameters, tails the run live and rolls back', async () => {
    const { h, sk, before, page } = await harnesses.onPage('services demo', 'services');

    await page.getByLabel('New service name').fill('Greet');
    await page.getByRole('button', { name: 'New service' }).click();
    await setSource(page, broken);
    const problem = page.locator('.diagnostic.error').first();
    await problem.waitFor();
    expect(await problem.textContent()).to.match(/Line 2, column \d+:/);
    await page.locator('.cm-lintRange-error').first().waitFor();
    // Nothing was saved by the check.
    const token = await h.devToken();
    const names = await fetch(`${h.tp.url}/admin/code/v/1/${sk}`, {
      headers: { 'ClearBlade-DevToken': token },
    });
    expect(((await names.json()) as { code: string[] }).code).to.deep.equal([]);

    await setSource(page, v1);
    await page.locator('.checked', { hasText: 'No problems found.' }).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved version 1' }).waitFor();
    await setSource(page, v2);
    await page.locator('.checked').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved version 2' }).waitFor();

    await page.getByLabel('Parameters (JSON)').fill('{"who": "ada"}');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByLabel('Result');
    await result.waitFor();
    expect(await result.textContent()).to.equal('"hello ada"');
    expect(await page.getByLabel('Run logs').textContent()).to.include('greeting ada');
    expect(await page.locator('.run-result').textContent()).to.match(/Succeeded in \d+ ms/);

    await page.getByRole('button', { name: 'Live logs' }).click();
    await page.getByRole('status').filter({ hasText: '● live' }).waitFor();
    const run = await fetch(`${h.tp.url}/api/v/1/code/${sk}/Greet`, {
      method: 'POST',
      headers: { 'ClearBlade-DevToken': token, 'content-type': 'application/json' },
      body: JSON.stringify({ who: 'grace' }),
    });
    expect(run.status).to.equal(200);
    await page.locator('.run.ok .log-line', { hasText: 'greeting grace' }).waitFor();

    await h.open(sk, 'services');
    await page.getByRole('button', { name: 'Greet' }).click();
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.getByRole('button', { name: 'Diff v1' }).click();
    const diff = page.getByLabel('Diff');
    await diff.locator('.del', { hasText: '"hi "' }).waitFor();
    expect(await diff.locator('.add').textContent()).to.include('"hello "');
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByRole('status').filter({ hasText: 'Now at version 3' }).waitFor();
    const current = await fetch(`${h.tp.url}/api/v/1/code/${sk}/Greet`, {
      headers: { 'ClearBlade-DevToken': token },
    });
    expect(((await current.json()) as { code: string }).code).to.equal(v1);
    expect(h.pageErrors.slice(before)).to.deep.equal([]);
  });
});
