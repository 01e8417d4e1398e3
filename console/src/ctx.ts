// What every console page receives: the signed-in developer's API client and the chosen system.
// Pages take only this (props.ctx) so they stay independent of the shell and of each other.
import type { Api } from './api.js';

/** The context a page is rendered with; the shell builds a new one when the system changes. */
export interface Ctx {
  /** REST client carrying the developer token (errors thrown as ApiError). */
  readonly api: Api;
  readonly systemKey: string;
  /** The system's secret: MQTT over WebSocket takes it as the password (ClearBlade's scheme). */
  readonly systemSecret: string;
  readonly systemName: string;
  readonly devToken: string;
  /** Opens another page of the same system (`navigate('services')`). */
  navigate(id: string): void;
}

/** A page's props. */
export interface PageProps {
  readonly ctx: Ctx;
}
