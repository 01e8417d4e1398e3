// The console's browser harness: a whole platform (test/helpers/platform.ts) plus Debian's chromium driven
// by playwright-core (no downloaded browser). Each helper's console tests use it:
//   const h = await startConsoleHarness();  await h.signIn();  const sk = await h.createSystem('demo');
//   ... h.page (a Playwright Page at 1280×800) ...;  await h.close();
// Waits are Playwright's own (an element, a text, a response) with bounded timeouts: no sleeps.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** Where Debian puts chromium (bin/test-prereqs.sh installs it). */
export const CHROMIUM = process.env.ISOBAR_CHROMIUM ?? '/usr/bin/chromium';

/** The developer the test platform creates at first start. */
export const ADMIN = { email: 'admin@test.local', password: 'admin-pass-1' } as const;

/** Bounded wait for anything a test waits on in the page (the console polls figures every 2 s). */
export const UI_TIMEOUT_MS = 15_000;

export interface ConsoleHarness {
  readonly tp: TestPlatform;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions in the page so far (a test can assert there are none). */
  readonly pageErrors: string[];
  /** Opens `/` and signs in as the admin developer (or `who`); resolves once the systems list shows. */
  signIn(who?: { email: string; password: string }): Promise<void>;
  /** Creates a system through the console's form; resolves to its key once its overview opened. */
  createSystem(name: string): Promise<string>;
  /** Opens page `id` of the system (hash route) and waits for its <h1>. */
  open(systemKey: string, id: string): Promise<void>;
  /** A developer token for REST calls a test makes beside the browser (seeding). */
  devToken(): Promise<string>;
  /** Saves a 1280×800 PNG as `<dir>/<name>.png`; resolves to its path. */
  screenshot(dir: string, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Launches chromium headless with a fresh profile (Playwright's own temp --user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A platform and a browser page on it; `colorScheme` picks light or dark (prefers-color-scheme). */
export async function startConsoleHarness(
  options: { colorScheme?: 'light' | 'dark'; overrides?: Record<string, string | number | boolean> } = {},
): Promise<ConsoleHarness> {
  const tp = await startTestPlatform({ overrides: options.overrides });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: options.colorScheme ?? 'light',
    });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    let token: string | undefined;
    const b = browser;
    const h: ConsoleHarness = {
      tp,
      browser: b,
      context,
      page,
      pageErrors,
      async signIn(who = ADMIN) {
        await page.goto(`${tp.url}/`);
        await page.getByLabel('Email').fill(who.email);
        await page.getByLabel('Password').fill(who.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Systems' }).waitFor();
      },
      async createSystem(name) {
        const form = page.getByRole('form', { name: 'Create a system' });
        await form.getByLabel('Name').fill(name);
        await form.getByRole('button', { name: 'Create system' }).click();
        await page.getByRole('heading', { name: /^Overview/ }).waitFor();
        const key = /^#\/([^/]+)\//.exec(new URL(page.url()).hash)?.[1];
        if (key === undefined) throw new Error(`no system key in ${page.url()}`);
        return key;
      },
      async open(systemKey, id) {
        await page.goto(`${tp.url}/#/${systemKey}/${id}`);
        await page.locator('main h1').first().waitFor();
      },
      async devToken() {
        if (token !== undefined) return token;
        const res = await fetch(`${tp.url}/admin/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        });
        const body = (await res.json()) as { dev_token: string };
        token = body.dev_token;
        return token;
      },
      async screenshot(dir, name) {
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${name}.png`);
        await page.screenshot({ path, fullPage: false });
        return path;
      },
      async close() {
        await context.close();
        await b.close();
        await tp.close({ removeData: true });
      },
    };
    return h;
  } catch (err) {
    await browser?.close();
    await tp.close({ removeData: true });
    throw err;
  }
}

/**
 * Fills the console form named `form` field by field, in order (a select gets its option chosen, any other
 * field typed into; a later field may appear only once an earlier one is set), then clicks its `submit` button.
 */
export async function submitForm(
  page: Page,
  form: string,
  fields: Readonly<Record<string, string>>,
  submit: string,
): Promise<void> {
  const f = page.getByRole('form', { name: form });
  for (const [label, value] of Object.entries(fields)) {
    const field = f.getByLabel(label);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await f.getByRole('button', { name: submit }).click();
}

/** Harnesses for a suite's tests, each closed after its test (call inside `describe`: it adds an afterEach). */
export function harnessPerTest(): {
  start(options?: Parameters<typeof startConsoleHarness>[0]): Promise<ConsoleHarness>;
  /** Started, signed in as the admin, with a new system `name` open; `before` counts page errors so far. */
  withSystem(name: string): Promise<{ h: ConsoleHarness; sk: string; before: number }>;
  /** As withSystem, then `seed` (set-up over REST) and the console page `pageId` opened in `page`. */
  onPage(
    name: string,
    pageId: string,
    seed?: (h: ConsoleHarness, sk: string) => Promise<unknown>,
  ): Promise<{ h: ConsoleHarness; sk: string; before: number; page: Page }>;
} {
  let current: ConsoleHarness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const start = async (options?: Parameters<typeof startConsoleHarness>[0]): Promise<ConsoleHarness> => {
    current = await startConsoleHarness(options);
    return current;
  };
  const withSystem = async (name: string): Promise<{ h: ConsoleHarness; sk: string; before: number }> => {
    const h = await start();
    await h.signIn();
    const sk = await h.createSystem(name);
    // What the shell logged while signing in is the shell's test; the page under test starts from here.
    return { h, sk, before: h.pageErrors.length };
  };
  return {
    start,
    withSystem,
    async onPage(name, pageId, seed) {
      const { h, sk, before } = await withSystem(name);
      await seed?.(h, sk);
      await h.open(sk, pageId);
      return { h, sk, before, page: h.page };
    },
  };
}
