// Collections (ClearBlade's Data): the catalogue of collections and their columns. The items of each
// collection live in a table of their own (`col_<collection_id>`), built at run time by
// services/collections/storage/ with Kysely's schema builder; its columns are the rows of
// `collection_columns`, so these two tables are the whole truth about what an item table may hold.

export interface CollectionsTable {
  /** 32 lowercase hex, made by the platform (never a caller's text): the item table is `col_<id>`. */
  collection_id: string;
  system_key: string;
  name: string;
  created_at: number;
}

export interface CollectionColumnsTable {
  collection_id: string;
  /** As the developer spelled it; unique per collection regardless of case. */
  name: string;
  /** ClearBlade's type name: string, int, float, bool, timestamp, uuid, blob. */
  type: string;
  /** Order columns were added (columns answer in this order). */
  position: number;
}

export interface CollectionTables {
  collections: CollectionsTable;
  collection_columns: CollectionColumnsTable;
}
