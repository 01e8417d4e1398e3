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
  /**
   * What to do, written for the person who sees the error (a device owner, a service author, an operator);
   * rendered in docs/errors.md. Name the setting, header or route to change where there is one.
   */
  readonly fix: string;
  /** The code is no longer raised. Its entry stays so the code is never reused (fastify `lib/warnings.js`). */
  readonly deprecated?: true;
  /** For a deprecated code: the code raised in its place. */
  readonly replacedBy?: `CB_ERR_${string}`;
}

/** Identity helper so each area file is checked against ErrorSpec while keeping literal keys. */
export function defineErrors<T extends Record<`CB_ERR_${string}`, ErrorSpec>>(table: T): T {
  return table;
}
