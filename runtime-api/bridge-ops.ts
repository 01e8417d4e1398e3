// Names of the platform operations user code may reach through Host.call (engine/types.ts).
// Each area adds its operations here; the bridge refuses any name not listed.

export const BRIDGE_OPS = [] as const satisfies readonly string[];

export type BridgeOp = (typeof BRIDGE_OPS)[number];
