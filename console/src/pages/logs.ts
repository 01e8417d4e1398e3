// Placeholder until K2 lands the Logs page (issue 14): the shell, router and page table already route here.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { html } from '../ui.js';

/** The Logs page of the console. */
export function LogsPage(props: PageProps): VNode {
  return html`<section>
    <h1>Logs</h1>
    <p class="muted">Coming soon for ${props.ctx.systemName}.</p>
  </section>`;
}
