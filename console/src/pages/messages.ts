// Placeholder until K3 lands the Messages page (issue 14): the shell, router and page table already route here.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { html } from '../ui.js';

/** The Messages page of the console. */
export function MessagesPage(props: PageProps): VNode {
  return html`<section>
    <h1>Messages</h1>
    <p class="muted">Coming soon for ${props.ctx.systemName}.</p>
  </section>`;
}
