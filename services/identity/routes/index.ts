// Every identity route, as one plugin for the composition root.
import type { FastifyPluginAsync } from 'fastify';
import type { IdentityRouteDeps } from './common.js';
import { developerRoutes } from './developers.js';
import { deviceRoutes } from './devices.js';
import { registrationRoutes } from './registration.js';
import { roleRoutes } from './roles.js';
import { systemRoutes } from './systems.js';
import { userDeviceRoutes } from './user-devices.js';
import { userRoutes } from './users.js';

export type { IdentityRouteDeps } from './common.js';

/** Developers, systems, users, devices and roles over REST. */
export function identityRoutes(deps: IdentityRouteDeps): FastifyPluginAsync {
  const parts = [
    developerRoutes,
    registrationRoutes,
    systemRoutes,
    userRoutes,
    deviceRoutes,
    userDeviceRoutes,
    roleRoutes,
  ].map((f) => f(deps));
  return async (app) => {
    for (const part of parts) await app.register(part);
  };
}
