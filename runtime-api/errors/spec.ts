/** The shape of one catalogue entry; shared by every area file so the catalogue stays one table. */
export interface ErrorSpec {
  /** HTTP status for REST answers. */
  readonly status: number;
  /** Message template; `{name}` placeholders are filled from the error's params. */
  readonly message: string;
  /** Whose fault: user errors show their message, system errors a generic one. */
  readonly fault: 'user' | 'system';
  /** MQTT CONNACK return code where the error ends a CONNECT. */
  readonly connack?: number;
  /** MQTT SUBACK return code where the error refuses one subscription. */
  readonly suback?: number;
  /** Set when the code is no longer raised: what replaced it. The entry stays so the code is never reused. */
  readonly retired?: string;
}

/** Identity helper so each area file is checked against ErrorSpec while keeping literal keys. */
export function defineErrors<T extends Record<`CB_ERR_${string}`, ErrorSpec>>(table: T): T {
  return table;
}
