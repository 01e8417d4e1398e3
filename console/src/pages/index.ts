// The page table: the nav, the hash router (#/<systemKey>/<id>) and the screenshots all read it.
// To add a page: write pages/<name>.ts exporting `XPage(props: PageProps)`, then add one row here.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { OverviewPage } from './overview.js';
import { ServicesPage } from './services.js';
import { LogsPage } from './logs.js';
import { MessagesPage } from './messages.js';
import { AutomationPage } from './automation.js';
import { IdentityPage } from './identity.js';
import { EdgesPage } from './edges.js';

/** One page of the console: its id in the URL, its nav title and its component. */
export interface PageDef {
  readonly id: string;
  readonly title: string;
  readonly component: (props: PageProps) => VNode | null;
}

/** Every page, in nav order; the first is where a chosen system opens. */
export const pages: readonly PageDef[] = [
  { id: 'overview', title: 'Overview', component: OverviewPage },
  { id: 'services', title: 'Services', component: ServicesPage },
  { id: 'logs', title: 'Live logs', component: LogsPage },
  { id: 'messages', title: 'Messages', component: MessagesPage },
  { id: 'automation', title: 'Triggers & timers', component: AutomationPage },
  { id: 'identity', title: 'Users, devices, roles', component: IdentityPage },
  { id: 'edges', title: 'Edges', component: EdgesPage },
];
