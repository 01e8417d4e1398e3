// First start: on an empty data dir, create the first developer and a "Default" system and print how
// to reach them once; later starts reuse them and print no secrets.
import type { Config } from './config/load.js';
import type { Identity, SystemInfo } from './identity/types.js';
import type { Log } from './kernel/log.js';
import type { Ports } from './kernel/component.js';
import { checkPasswordStrength, emailNames } from './identity/passwords.js';
import { newPassword } from './identity/secrets.js';
import { isIsobarError } from '../runtime-api/errors/index.js';

export interface FirstStartDeps {
  readonly identity: Identity;
  readonly config: Config;
  readonly log: Log;
  /** Where the banner goes; undefined: no banner. */
  readonly out?: NodeJS.WritableStream;
}

/** What first start created; undefined when the data dir already had a developer. */
export interface FirstStartResult {
  readonly email: string;
  /** Set only when it was generated (it is printed once, here). */
  readonly generatedPassword: string | undefined;
  readonly system: SystemInfo;
}

function address(host: string, port: number | null | undefined, configured: number): string {
  if (port !== null && port !== undefined) return `${host}:${port}`;
  if (configured === -1) return 'disabled';
  return configured === 0 ? 'a free port (see the "isobar ready" line)' : `${host}:${configured}`;
}

/** Creates the first developer and system when there is no developer yet, then prints the banner. */
export async function firstStart(
  deps: FirstStartDeps,
  ports: Partial<Ports>,
): Promise<FirstStartResult | undefined> {
  const created = (await deps.identity.developerCount()) === 0 ? await createFirst(deps) : undefined;
  if (deps.out !== undefined) deps.out.write(banner(deps.config, ports, created));
  return created;
}

/** The first developer and its Default system; undefined when another node created the developer first. */
async function createFirst(deps: FirstStartDeps): Promise<FirstStartResult | undefined> {
  const { identity, config, log } = deps;
  const generatedPassword = config.admin.password === undefined ? newPassword() : undefined;
  const password = config.admin.password ?? generatedPassword ?? '';
  // Checked here too so a weak ISOBAR_ADMIN_PASSWORD is named in the start-up error.
  checkPasswordStrength(password, {
    field: 'ISOBAR_ADMIN_PASSWORD',
    minLength: config.identity.passwordMinLength,
    names: emailNames(config.admin.email),
  });
  // Nodes of a cluster starting together on an empty database all see no developer: the unique email
  // lets exactly one create it (and the Default system); the others find it taken and carry on.
  const registered = await identity
    .registerDeveloper({ email: config.admin.email, password, fname: 'Admin' })
    .catch((err: unknown) => {
      if (isIsobarError(err) && err.code === 'CB_ERR_DEVELOPER_EXISTS') return undefined;
      throw err;
    });
  if (registered === undefined) {
    log.info('first start: another node created the first developer');
    return undefined;
  }
  const { developer } = registered;
  const system = await identity.createSystem(developer.id, {
    name: 'Default',
    description: 'Created on first start',
  });
  log.info('first start: created the first developer and system', {
    email: developer.email,
    systemKey: system.systemKey,
  });
  return { email: developer.email, generatedPassword, system };
}

function banner(config: Config, ports: Partial<Ports>, created: FirstStartResult | undefined): string {
  const host = config.publicHost;
  const url = `http://${address(host, ports.http, config.http.port)}`;
  const lines = [
    '',
    `Isobar ${created === undefined ? 'is starting' : 'first start'} — data in ${config.dataDir}`,
    `  REST API   ${url}   (OpenAPI page: ${url}/docs)`,
    `  MQTT       ${address(host, ports.mqtt, config.mqtt.tcpPort)}   WebSocket ${address(host, ports.ws, config.mqtt.wsPort)} (path /mqtt)`,
    `  auth MQTT  ${address(host, ports.auth, config.mqtt.authPort)}`,
  ];
  if (created !== undefined) {
    lines.push(
      '',
      `  developer  ${created.email}`,
      created.generatedPassword === undefined
        ? '  password   (from ISOBAR_ADMIN_PASSWORD)'
        : `  password   ${created.generatedPassword}   <- generated, shown only this once`,
      `  system     "${created.system.name}"`,
      `    systemKey    ${created.system.systemKey}`,
      `    systemSecret ${created.system.systemSecret}`,
      '',
      `  log in:    isobar login --url ${url} --email ${created.email} --password <password>`,
      `             curl -s ${url}/admin/auth -H 'Content-Type: application/json' -d '{"email":"${created.email}","password":"<password>"}'`,
    );
  } else {
    lines.push('', `  log in:    isobar login --url ${url} --email <email> --password <password>`);
  }
  return `${lines.join('\n')}\n\n`;
}
