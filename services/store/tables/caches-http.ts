// Shared-cache definitions and the outbound-HTTP allow-list (migration 011). Cache *entries* are not
// stored: they live in the memory of the node that holds them (services/cache/README.md says why).

/** One shared cache of a system: its name and the TTL its entries get unless a set names another. */
export interface ServiceCachesTable {
  system_key: string;
  name: string;
  description: string;
  /** Default seconds an entry lives; 0 = until deleted, flushed or the node restarts. */
  ttl: number;
  created_at: number;
}

/** One entry of a system's outbound-HTTP allow-list: a host name (`*.` prefix = subdomains) or an IP/CIDR. */
export interface HttpAllowlistTable {
  system_key: string;
  entry: string;
}

export interface CacheHttpTables {
  service_caches: ServiceCachesTable;
  http_allowlist: HttpAllowlistTable;
}
