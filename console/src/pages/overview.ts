// Overview (filled in next): the system's live figures from GET /api/v/4/metrics/:systemKey.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { html } from '../ui.js';

/** The first page of a system: the health of its traffic and of its user code. */
export function OverviewPage(props: PageProps): VNode {
  return html`<section>
    <h1>Overview</h1>
    <p class="muted">${props.ctx.systemName}</p>
  </section>`;
}
