// The names of every permission resource, in both of ClearBlade's shapes (reference §6.2: roles are
// written with one key and read back under another). Plain data with no imports, so the web console's
// role editor reads the same table the platform decides with (console/src/pages/role-model.ts).

/** Per-item resources: write key → read key (CBLIB mapping table). */
export const ITEM_KEYS: Readonly<Record<string, string>> = {
  topics: 'Topics',
  services: 'CodeServices',
  collections: 'Collections',
  portals: 'Portals',
  servicecaches: 'ServiceCaches',
  externaldatabases: 'ExternalDatabases',
  edgeremoteadmin: 'EdgeRemoteAdmin',
  files: 'Files',
  filestorefiles: 'FilestoreFiles',
};

/** List-level resources `{permissions}`: write key → read key. */
export const LIST_KEYS: Readonly<Record<string, string>> = {
  allservices: 'AllServices',
  allcollections: 'AllCollections',
  allexternaldatabases: 'AllExternalDatabases',
  msgHistory: 'MsgHistory',
  users: 'UsersList',
  devices: 'DevicesList',
  edges: 'EdgesList',
  roles: 'Roles',
  triggers: 'Triggers',
  timers: 'Timers',
  deployments: 'Deployments',
  push: 'Push',
  manageusers: 'ManageUsers',
  usersecrets: 'UserSecrets',
  adapters: 'Adapters',
  filestores: 'Filestores',
  system_services: 'SystemServices',
};
