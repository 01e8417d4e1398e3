// What both SDK tests start from: a platform with one system, a collection `readings`, two services and a
// user whose role reaches what the SDKs call (services, collections, history, topics, devices, roles, users).
import { codeWorld, type CodeWorld } from '../services/code/world.js';

export interface SdkWorld extends CodeWorld {
  readonly collectionId: string;
}

/** A service answering its params (execute with and without params) and one keeping a count in a collection. */
export const SERVICES: Readonly<Record<string, string>> = {
  Echo: 'function Echo(req, resp) { resp.success({ params: req.params, user: req.userEmail }); }',
  Boom: 'function Boom(req, resp) { resp.error("boom " + req.params.n); }',
  Store:
    'function Store(req, resp) {' +
    '  ClearBlade.Collection({ collectionName: "readings" }).create({ sensor: "svc", value: req.params.v },' +
    '    function (err, data) { if (err) resp.error(data); resp.success(data.length); });' +
    '}',
};

/** Starts the world the SDK tests share. */
export async function sdkWorld(): Promise<SdkWorld> {
  const w = await codeWorld();
  try {
    const sk = w.systemKey;
    const dev = async (method: string, path: string, body?: unknown) => {
      const r = await w.http(method, path, { body, token: w.devToken });
      if (r.status >= 300)
        throw new Error(`${method} ${path}: ${String(r.status)} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    for (const [name, code] of Object.entries(SERVICES)) {
      await dev('POST', `/admin/code/v/1/${sk}/${name}`, { code });
    }
    const created = await dev('POST', '/admin/collectionmanagement', { name: 'readings', appID: sk });
    const collectionId = String(created.collectionID);
    for (const [name, type] of [
      ['sensor', 'string'],
      ['value', 'int'],
    ]) {
      await dev('PUT', '/admin/collectionmanagement', { id: collectionId, addColumn: { name, type } });
    }
    await w.grant({
      topics: [{ itemInfo: { name: '#' }, permissions: 3 }],
      allservices: { permissions: 1 },
      allcollections: { permissions: 15 },
      msgHistory: { permissions: 1 },
      devices: { permissions: 15 },
      roles: { permissions: 1 },
      users: { permissions: 1 },
      triggers: { permissions: 1 },
    });
    return { ...w, collectionId };
  } catch (err) {
    await w.close();
    throw err;
  }
}
