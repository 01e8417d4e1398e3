// `isobar deploy <asset> --edge <name>`: deploy a service (or library, trigger, timer) to an edge, or
// take it off with --remove. Results appear on $notification/sync/status and $notification/sync/error.
import { parseArgs } from 'node:util';
import { chosenSystem, developerClient, reportError } from './client.js';
import { printOutput } from './format.js';
import type { CliIo } from './io.js';

const HELP = `Usage: isobar deploy <asset> --edge <name> [--edge <name>]... [--remove]

  <asset>        a service name, or <class>:<name> with class service, library, trigger or timer
  --edge NAME    edge to deploy to (repeatable)
  --remove       take the asset off the edge instead
  --url URL      platform (default: $ISOBAR_URL, else the one you logged in to)
  --system KEY   system key (default: $ISOBAR_SYSTEM_KEY, else \`isobar systems use KEY\`)
  --json         print JSON

Edges that are offline apply the deployment when they reconnect. Watch the results on
$notification/sync/status and $notification/sync/error in the system.
`;

/** Splits `library:utils` into class and name; a bare name is a service. */
export function parseAsset(asset: string): { asset_class: string; asset_id: string } {
  const colon = asset.indexOf(':');
  if (colon < 0) return { asset_class: 'service', asset_id: asset };
  return { asset_class: asset.slice(0, colon), asset_id: asset.slice(colon + 1) };
}

/** Runs `isobar deploy`; 0 on success, 1 when the platform refuses, 2 for usage errors. */
export async function deployCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        edge: { type: 'string', multiple: true },
        remove: { type: 'boolean' },
        url: { type: 'string' },
        system: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr.write(`isobar deploy: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(HELP);
    return 0;
  }
  const edges = values.edge ?? [];
  if (positionals.length !== 1 || edges.length === 0) {
    io.stderr.write(HELP);
    return 2;
  }
  try {
    const client = developerClient(io, values.url);
    const system = chosenSystem(io, values.system);
    const asset = parseAsset(positionals[0]);
    const results: Record<string, unknown> = {};
    for (const edge of edges) {
      const body = values.remove === true ? { remove: [asset] } : { add: [asset] };
      results[edge] = await client.request('PUT', `/admin/edges/sync/${system}/${encodeURIComponent(edge)}`, {
        body,
      });
    }
    const verb = values.remove === true ? 'removed' : 'deployed';
    printOutput(io, values.json === true, {
      value: results,
      message: `${verb} ${asset.asset_class} ${asset.asset_id} ${values.remove === true ? 'from' : 'to'} ${edges.join(', ')}`,
    });
    return 0;
  } catch (err) {
    return reportError(io, err);
  }
}
