// Outbound HTTP from services as one platform component: the per-system allow-list (store + routes) and
// the `http.request` bridge op behind Requests() and fetch.
import type { Component, ComponentBase } from '../kernel/component.js';
import { createAllowlists, type Allowlists } from './allowlist.js';
import { createHttpOps } from './bridge-ops.js';
import { allowlistRoutes } from './routes.js';

export interface OutboundHttpComponent extends Component {
  readonly allowlists: Allowlists;
}

/** Builds the outbound-HTTP component and loads every system's allow-list. */
export async function createOutboundHttpComponent(base: ComponentBase): Promise<OutboundHttpComponent> {
  const allowlists = createAllowlists({ store: base.store });
  await allowlists.load();
  const log = base.log.child({ component: 'outbound-http' });
  const off = base.events.on('system.deleted', ({ systemKey }) => {
    allowlists.dropSystem(systemKey).catch((err: unknown) => {
      log.error('dropping the allow-list of a deleted system failed', { systemKey, err: String(err) });
    });
  });
  return {
    name: 'http',
    allowlists,
    routes: [allowlistRoutes(allowlists)],
    ops: createHttpOps(allowlists, base.config.outboundHttp, log),
    close() {
      off();
      return Promise.resolve();
    },
  };
}
