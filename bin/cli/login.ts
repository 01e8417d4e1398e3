// `isobar login`: trades a developer email and password for a token kept in ~/.isobar/credentials.json.
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import { DEFAULT_URL, readCredentials, reportError, writeCredentials } from './client.js';
import { clearBladeHeaders, createRestClient } from './rest-client.js';

const HELP = `Usage: isobar login [--url URL] --email EMAIL [--password PASSWORD]

Logs a developer in and keeps the token in $ISOBAR_HOME/credentials.json (default ~/.isobar, mode 0600).
The password may also come from $ISOBAR_PASSWORD.

  --url URL        platform (default: the last one logged in to, else ${DEFAULT_URL})
  --email EMAIL    developer email
  --password PW    developer password
  --logout         revoke the stored token and forget it
  --json           print JSON
`;

/** `isobar login`. */
export async function loginCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        url: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        logout: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    io.stderr.write(`isobar login: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(HELP);
    return 0;
  }
  const stored = readCredentials(io.env);
  const url = values.url ?? stored?.url ?? DEFAULT_URL;
  try {
    if (values.logout === true) {
      if (stored !== undefined) {
        await createRestClient(url, clearBladeHeaders.dev(stored.token)).request('POST', '/admin/logout');
        writeCredentials(io.env, { ...stored, token: '' });
      }
      io.stdout.write(values.json === true ? '{}\n' : 'logged out\n');
      return 0;
    }
    const email = values.email ?? stored?.email;
    const password = values.password ?? io.env.ISOBAR_PASSWORD;
    if (email === undefined || password === undefined) {
      io.stderr.write(`isobar login: --email and --password (or $ISOBAR_PASSWORD) are required\n\n${HELP}`);
      return 2;
    }
    const r = await createRestClient(url).request<{ dev_token: string; expires_at: number }>(
      'POST',
      '/admin/auth',
      {
        body: { email, password },
      },
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
}
