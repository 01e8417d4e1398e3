// Placeholder until K2 lands the Services page (issue 14): the shell, router and page table already route here.
import type { VNode } from 'preact';
import type { PageProps } from '../ctx.js';
import { html } from '../ui.js';

/** The Services page of the console. */
export function ServicesPage(props: PageProps): VNode {
  return html`<section>
    <h1>Services</h1>
    <p class="muted">Coming soon for ${props.ctx.systemName}.</p>
  </section>`;
}
