// `isobar login`: trades a developer email and password for a token kept in ~/.isobar/credentials.json.
// Without --password or $ISOBAR_PASSWORD it asks: hidden input on a terminal, one line of stdin otherwise
// (a password typed on the command line stays in the shell history and in `ps`).
import { createInterface } from 'node:readline';
import type { CliIo } from './io.js';
import { flagOption, type SpecCommand, valueOption } from './parser.js';
import { DEFAULT_URL, readCredentials, reportError, writeCredentials } from './client.js';
import { clearBladeHeaders, createRestClient } from './rest-client.js';
import { readHidden } from './prompt.js';

/** Reads the password: hidden from a TTY, else the first line of `io.stdin`; undefined when there is none. */
async function askPassword(io: CliIo): Promise<string | undefined> {
  const input = io.stdin ?? process.stdin;
  if ('isTTY' in input && input.isTTY === true && 'setRawMode' in input) {
    return readHidden('Password: ', input as NodeJS.ReadStream, io.stderr);
  }
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}

/** `isobar login`. */
export const loginSpec: SpecCommand = {
  summary: 'log a developer in (token kept in ~/.isobar/credentials.json)',
  usage: '[--url URL] [--email EMAIL] [--password PW] [--logout] [--json]',
  options: {
    url: valueOption(`platform (default: $ISOBAR_URL, else the last one logged in to, else ${DEFAULT_URL})`),
    email: valueOption('developer email (default: the last one logged in)'),
    password: valueOption(
      'developer password (default: $ISOBAR_PASSWORD, else asked: hidden on a terminal, else a line of stdin)',
    ),
    logout: flagOption('revoke the stored token and forget it'),
    json: flagOption('print JSON'),
  },
  details:
    'The token is kept in $ISOBAR_HOME/credentials.json (default ~/.isobar, mode 0600).\n' +
    'Example: echo "$ISOBAR_ADMIN_PASSWORD" | isobar login --email admin@example.com\n',
  run: async (_args, values, io) => {
    const str = (n: string) => (typeof values[n] === 'string' ? (values[n] as string) : undefined);
    const stored = readCredentials(io.env);
    // The same order as every other command: --url, $ISOBAR_URL, the stored one, the default.
    const url = str('url') ?? io.env.ISOBAR_URL ?? stored?.url ?? DEFAULT_URL;
    try {
      if (values.logout === true) {
        if (stored !== undefined) {
          await createRestClient(url, clearBladeHeaders.dev(stored.token)).request('POST', '/admin/logout');
          writeCredentials(io.env, { ...stored, token: '' });
        }
        io.stdout.write(values.json === true ? '{}\n' : 'logged out\n');
        return 0;
      }
      const email = str('email') ?? stored?.email;
      if (email === undefined) {
        io.stderr.write('isobar login: --email is required (run `isobar login --help`)\n');
        return 2;
      }
      const password = str('password') ?? io.env.ISOBAR_PASSWORD ?? (await askPassword(io));
      if (password === undefined || password === '') {
        io.stderr.write(
          'isobar login: no password given (--password, $ISOBAR_PASSWORD or a line on stdin)\n',
        );
        return 2;
      }
      const r = await createRestClient(url).request<{ dev_token: string; expires_at: number }>(
        'POST',
        '/admin/auth',
        { body: { email, password } },
      );
      const file = writeCredentials(io.env, {
        url,
        email,
        token: r.dev_token,
        system: stored?.url === url && stored.email === email ? stored.system : undefined,
      });
      const expires = new Date(r.expires_at * 1000).toISOString();
      io.stdout.write(
        values.json === true
          ? `${JSON.stringify({ url, email, expires_at: r.expires_at, credentials: file })}\n`
          : `logged in to ${url} as ${email} (token until ${expires}, kept in ${file})\n`,
      );
      return 0;
    } catch (err) {
      return reportError(io, err);
    }
  },
};
