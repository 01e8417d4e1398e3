// `isobar deploy <asset> --edge <name>`: deploy a service (or library, trigger, timer) to an edge, or
// take it off with --remove. Results appear on $notification/sync/status and $notification/sync/error.
import { chosenSystem, COMMON, developerClient, reportError } from './client.js';
import { printOutput } from './format.js';
import { flagOption, repeatableOption, type SpecCommand } from './parser.js';

/** Splits `library:utils` into class and name; a bare name is a service. */
export function parseAsset(asset: string): { asset_class: string; asset_id: string } {
  const colon = asset.indexOf(':');
  if (colon < 0) return { asset_class: 'service', asset_id: asset };
  return { asset_class: asset.slice(0, colon), asset_id: asset.slice(colon + 1) };
}

/** `isobar deploy <asset> --edge <name>...`, declared for the commander program. */
export const deploySpec: SpecCommand = {
  summary: 'deploy a service, library, trigger or timer to edges (or take it off with --remove)',
  usage: '<asset> --edge NAME [--edge NAME]... [--remove] [--json]',
  options: {
    edge: repeatableOption('edge to deploy to'),
    remove: flagOption('take the asset off the edge instead'),
    ...COMMON,
  },
  details:
    '<asset> is a service name, or <class>:<name> with class service, library, trigger or timer.\n' +
    'Edges that are offline apply the deployment when they reconnect. Watch the results on\n' +
    '$notification/sync/status and $notification/sync/error in the system.\n',
  run: async (args, values, io) => {
    const edges = Array.isArray(values.edge) ? values.edge : [];
    if (edges.length === 0) {
      io.stderr.write('isobar deploy: give at least one --edge NAME (run `isobar deploy --help`)\n');
      return 2;
    }
    const remove = values.remove === true;
    try {
      const client = developerClient(io, typeof values.url === 'string' ? values.url : undefined);
      const system = chosenSystem(io, typeof values.system === 'string' ? values.system : undefined);
      const asset = parseAsset(args[0]);
      const results: Record<string, unknown> = {};
      for (const edge of edges) {
        const body = remove ? { remove: [asset] } : { add: [asset] };
        results[edge] = await client.request(
          'PUT',
          `/admin/edges/sync/${system}/${encodeURIComponent(edge)}`,
          { body },
        );
      }
      const verb = remove ? 'removed' : 'deployed';
      printOutput(io, values.json === true, {
        value: results,
        message: `${verb} ${asset.asset_class} ${asset.asset_id} ${remove ? 'from' : 'to'} ${edges.join(', ')}`,
      });
      return 0;
    } catch (err) {
      return reportError(io, err);
    }
  },
};
