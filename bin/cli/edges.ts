// `isobar edges`: register edges of a system, see whether they are connected, reset their tokens.
import { groupCommand, listAction } from './client.js';
import { valueOption } from './parser.js';

const COLUMNS = ['name', 'isConnected', 'last_seen', 'description'];
const path = (system: string, name: string) => `/admin/edges/${system}/${encodeURIComponent(name)}`;
const seen = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : 'never');

/** `isobar edges list|create|status|reset-token|delete`. */
export const edgesCommand = groupCommand('edges', 'Register the edges of a system and watch their state.', {
  list: listAction(
    'edges of the system with their connection state',
    (system) => `/admin/edges/${system}`,
    COLUMNS,
  ),
  create: {
    usage: '<name> [--description D]',
    summary: 'register an edge; prints its token once (start the edge with it)',
    options: { description: valueOption('what the edge is') },
    run: async (c) => {
      const edge = await c.client.request<Record<string, unknown>>('POST', path(c.system(), c.args[0]), {
        body: { description: c.str('description') ?? '' },
      });
      return {
        value: edge,
        message:
          `created edge ${c.args[0]}\ntoken: ${String(edge.token)}\n` +
          `start it with: isobar start --edge ${c.args[0]} --system ${c.system()} --edge-token ${String(edge.token)} --platform mqtt://<platform-host>:1883`,
      };
    },
  },
  status: {
    usage: '<name>',
    summary: 'whether the edge is connected, when it was last seen, what is deployed to it',
    run: async (c) => {
      const edge = await c.client.request<Record<string, unknown>>('GET', path(c.system(), c.args[0]));
      const assets = await c.client.request<Array<Record<string, unknown>>>(
        'GET',
        `/admin/edges/sync/${c.system()}/${encodeURIComponent(c.args[0])}`,
      );
      const deployed = assets.map((a) => `${String(a.asset_class)}:${String(a.asset_id)}`).join(', ');
      return {
        value: { ...edge, deployed: assets },
        message:
          `${c.args[0]}: ${edge.isConnected === true ? 'connected' : 'disconnected'}, last seen ${seen(edge.last_seen)}\n` +
          `deployed: ${deployed === '' ? '(nothing)' : deployed}`,
      };
    },
  },
  'reset-token': {
    usage: '<name>',
    summary: 'issue a new token (the old one stops working)',
    run: async (c) => {
      const edge = await c.client.request<Record<string, unknown>>('PUT', path(c.system(), c.args[0]), {
        body: { reset_token: true },
      });
      return { value: edge, message: `new token for ${c.args[0]}: ${String(edge.token)}` };
    },
  },
  delete: {
    usage: '<name>',
    summary: 'remove an edge',
    run: async (c) => {
      const value = await c.client.request('DELETE', path(c.system(), c.args[0]));
      return { value, message: `deleted edge ${c.args[0]}` };
    },
  },
});
