// Placeholder until K3 lands the Identity page (issue 14): the shell, router and page table already route here.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { html } from '../ui.js';

/** The Identity page of the console. */
export function IdentityPage(props: PageProps): VNode {
  return html`<section>
    <h1>Identity</h1>
    <p class="muted">Coming soon for ${props.ctx.systemName}.</p>
  </section>`;
}
