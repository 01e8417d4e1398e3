// The CLI run in-process with its output captured, and the world most CLI tests start from: a platform, a
// temporary ISOBAR_HOME and the seeded developer logged in through `isobar login` itself.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../../bin/cli/index.js';
import { useFixture, type FixtureScope } from '../../helpers/fixture.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

/** What one CLI run left: its exit code and everything it wrote. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A CLI run still going: `stderr` lets a test wait on what it prints live (logs --follow). */
export interface StartedCli {
  readonly done: Promise<CliRun>;
  readonly stderr: PassThrough;
}

/** Starts the CLI in-process with captured output, so tests read exactly what a user would see. */
export function startCli(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stdin?: string,
): StartedCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const io = { env, stdout, stderr, ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }) };
  const done = runCli(argv, io).then((code) => ({ code, out, err }));
  return { done, stderr };
}

/** Runs the CLI in-process to its exit code with captured output. */
export function runCaptured(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stdin?: string,
): Promise<CliRun> {
  return startCli(argv, env, stdin).done;
}

/** The arguments of `isobar login` as the seeded developer of a test platform. */
export function loginArgs(url: string): string[] {
  return ['login', '--url', url, '--email', 'admin@test.local', '--password', 'admin-pass-1'];
}

/** A platform with the developer logged in by the CLI; runs carry ISOBAR_HOME and the system's key. */
export interface CliWorld {
  readonly tp: TestPlatform;
  readonly home: string;
  /** The seeded developer's first system. */
  readonly systemKey: string;
  run(...argv: string[]): Promise<CliRun>;
  start(...argv: string[]): StartedCli;
  close(): Promise<void>;
}

/**
 * Starts the world CLI tests share. `systemEnv` names the variable the system key travels in: the CLI reads
 * both ISOBAR_SYSTEM and ISOBAR_SYSTEM_KEY, and tests keep exercising each.
 */
export async function startCliWorld(systemEnv: 'ISOBAR_SYSTEM' | 'ISOBAR_SYSTEM_KEY'): Promise<CliWorld> {
  const tp = await startTestPlatform();
  const home = mkdtempSync(join(tmpdir(), 'isobar-home-'));
  const identity = tp.platform.identity;
  const dev = await identity.developerByEmail('admin@test.local');
  const systemKey = identity.systemsOf(dev?.id ?? '')[0]?.systemKey ?? '';
  const env = { ISOBAR_HOME: home, [systemEnv]: systemKey };
  const start = (...argv: string[]): StartedCli => startCli(argv, env);
  const run = (...argv: string[]): Promise<CliRun> => start(...argv).done;
  const login = await run(...loginArgs(tp.url));
  expect(login.code, login.err).to.equal(0);
  return {
    tp,
    home,
    systemKey,
    run,
    start,
    async close() {
      await tp.close({ removeData: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Registers the hooks that start a CLI world (per suite or per test) and close it; answers the live one. */
export function useCliWorld(
  systemEnv: 'ISOBAR_SYSTEM' | 'ISOBAR_SYSTEM_KEY',
  scope: FixtureScope = 'suite',
): CliWorld {
  return useFixture(
    () => startCliWorld(systemEnv),
    (w) => w.close(),
    scope,
  );
}
