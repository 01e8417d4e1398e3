// `isobar triggers create|list|delete|definitions` over the REST API (the user endpoints, which take a
// developer or user token). The flag parsing and request helper are shared with `isobar timers`.
import type { CliIo } from './index.js';

/** Connection flags every trigger/timer command takes. */
export const CONNECTION_HELP = `  --system KEY     system key              (env ISOBAR_SYSTEM_KEY)
  --token TOKEN    developer or user token (env ISOBAR_TOKEN)
  --url URL        platform URL            (env ISOBAR_URL, default http://127.0.0.1:9000)
  --json           print JSON`;

const HELP = `Usage: isobar triggers <create|list|delete|definitions> [name] [options]

  list                         the system's triggers
  definitions                  the modules, actions and filter keys a trigger can use
  create <name>                --module M --action A --service S [--filter key=value ...]
  delete <name>

Options:
  --module M       Messaging, User, Device, UserRoles, StartConnectDisconnect
  --action A       e.g. Publish, MQTTDeviceConnected, UserCreated (see \`definitions\`)
  --service S      service to run
  --filter k=v     filter of the action (topic is an MQTT filter); repeatable
${CONNECTION_HELP}
`;

/** Parsed arguments: flags (repeatable ones collected), positionals. */
export interface Args {
  readonly flags: Map<string, string[]>;
  readonly positional: string[];
}

/** Splits `--flag value` pairs (and bare `--json`/`--help`) from positional arguments. */
export function parseArgs(args: readonly string[]): Args {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json' || a === '--help' || a === '-h') flags.set(a, ['true']);
    else if (a.startsWith('--')) flags.set(a, [...(flags.get(a) ?? []), args[++i] ?? '']);
    else positional.push(a);
  }
  return { flags, positional };
}

/** The last value of a flag. */
export const flag = (a: Args, name: string): string | undefined => a.flags.get(name)?.at(-1);

/** Runs one REST call for a CLI command; prints the error and answers undefined when it fails. */
export async function request(
  command: string,
  a: Args,
  io: CliIo,
  method: string,
  path: (systemKey: string) => string,
  body?: unknown,
): Promise<{ ok: true; value: unknown } | { ok: false; code: number }> {
  const systemKey = flag(a, '--system') ?? io.env.ISOBAR_SYSTEM_KEY ?? '';
  const token = flag(a, '--token') ?? io.env.ISOBAR_TOKEN ?? '';
  if (systemKey === '' || token === '') {
    io.stderr.write(
      `isobar ${command}: --system and --token (or ISOBAR_SYSTEM_KEY, ISOBAR_TOKEN) are required\n`,
    );
    return { ok: false, code: 2 };
  }
  const url = (flag(a, '--url') ?? io.env.ISOBAR_URL ?? 'http://127.0.0.1:9000').replace(/\/+$/, '');
  try {
    const res = await fetch(`${url}${path(encodeURIComponent(systemKey))}`, {
      method,
      // The same token in both headers: user routes take either, developer-only routes read DevToken.
      headers: {
        'ClearBlade-UserToken': token,
        'ClearBlade-DevToken': token,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => undefined);
    if (res.status !== 200) {
      const e = json as { code?: string; message?: string } | undefined;
      io.stderr.write(
        `isobar ${command}: ${e?.code ?? String(res.status)} ${e?.message ?? res.statusText}\n`,
      );
      return { ok: false, code: 1 };
    }
    return { ok: true, value: json };
  } catch (err) {
    io.stderr.write(
      `isobar ${command}: cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return { ok: false, code: 1 };
  }
}

/** Prints `value` as JSON or as lines made by `line`. */
export function print(
  a: Args,
  io: CliIo,
  value: unknown,
  line: (item: Record<string, unknown>) => string,
): void {
  if (a.flags.has('--json')) {
    io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const items = Array.isArray(value)
    ? (value as Array<Record<string, unknown>>)
    : [value as Record<string, unknown>];
  for (const item of items) io.stdout.write(`${line(item)}\n`);
}

const triggerLine = (t: Record<string, unknown>): string => {
  const def = (t.event_definition ?? {}) as { def_module?: string; def_name?: string };
  return `${String(t.name)}  ${def.def_module ?? ''}::${def.def_name ?? ''}  ${JSON.stringify(t.key_value_pairs ?? {})}  -> ${String(t.service_name)}`;
};

/** Runs `isobar triggers`; 0 on success, 1 when the platform refuses, 2 for usage errors. */
export async function triggersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const a = parseArgs(args);
  const [sub, name, ...extra] = a.positional;
  const usage = (problem: string) => {
    io.stderr.write(`isobar triggers: ${problem}\n\n${HELP}`);
    return 2;
  };
  if (a.flags.has('--help') || a.flags.has('-h') || sub === undefined) {
    io.stdout.write(HELP);
    return sub === undefined && !a.flags.has('--help') && !a.flags.has('-h') ? 2 : 0;
  }
  if (extra.length > 0) return usage(`unexpected ${extra.join(' ')}`);
  const one = (sk: string) => `/api/v/3/code/${sk}/trigger/${encodeURIComponent(name ?? '')}`;
  let result: Awaited<ReturnType<typeof request>>;
  switch (sub) {
    case 'list':
      result = await request('triggers', a, io, 'GET', (sk) => `/api/v/3/code/${sk}/triggers`);
      if (result.ok) print(a, io, result.value, triggerLine);
      break;
    case 'definitions':
      // Definitions are the same for every system; the developer route answers them.
      result = await request('triggers', a, io, 'GET', () => '/admin/triggers/definitions');
      if (result.ok) {
        print(
          a,
          io,
          result.value,
          (d) => `${String(d.def_module)}::${String(d.def_name)}  [${String(d.def_keys)}]`,
        );
      }
      break;
    case 'create': {
      if (name === undefined) return usage('create needs a name');
      const module = flag(a, '--module');
      const action = flag(a, '--action');
      const service = flag(a, '--service');
      if (module === undefined || action === undefined || service === undefined) {
        return usage('create needs --module, --action and --service');
      }
      const pairs: Record<string, string> = {};
      for (const f of a.flags.get('--filter') ?? []) {
        const eq = f.indexOf('=');
        if (eq <= 0) return usage(`--filter ${JSON.stringify(f)} is not key=value`);
        pairs[f.slice(0, eq)] = f.slice(eq + 1);
      }
      result = await request('triggers', a, io, 'POST', one, {
        def_module: module,
        def_name: action,
        key_value_pairs: pairs,
        service_name: service,
      });
      if (result.ok) print(a, io, result.value, (t) => `created ${triggerLine(t)}`);
      break;
    }
    case 'delete':
      if (name === undefined) return usage('delete needs a name');
      result = await request('triggers', a, io, 'DELETE', one);
      if (result.ok) print(a, io, result.value, (t) => `deleted ${String(t.name)}`);
      break;
    default:
      return usage(`unknown sub-command ${JSON.stringify(sub)}`);
  }
  return result.ok ? 0 : result.code;
}
