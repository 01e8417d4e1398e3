// The service editor: CodeMirror 6 in TypeScript mode, completion of the runtime API (completion.ts, read
// from runtime-api/types/index.d.ts) and the platform's own compile check as inline diagnostics — the
// same esbuild step a save runs (POST /admin/code/v/1/{sk}/{name}/check), so what is marked is what a save
// would refuse. The problems are also listed under the editor as text, for keyboards and screen readers.
import './code.css';
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { javascript, typescriptLanguage } from '@codemirror/lang-javascript';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { SourceDiagnostic } from '../../../services/code/check.js';
import { html } from '../ui.js';
import { membersAfter, readRuntimeTypes, type Member, type RuntimeModel } from './completion.js';
import { RUNTIME_TYPES } from './runtime-types.js';

/** One problem the check found: the route's answer, typed by the platform's own check (type-only import). */
export type { SourceDiagnostic };

let model: RuntimeModel | undefined;
/** Read once, on first use: the declaration text is bundled, parsing it is a few milliseconds. */
function runtimeModel(): RuntimeModel {
  model ??= readRuntimeTypes(RUNTIME_TYPES);
  return model;
}

const CHAIN = /((?:[A-Za-z_$][\w$]*(?:\([^()]*\))?\.)*[A-Za-z_$][\w$]*(?:\([^()]*\))?)\.$/;

function option(m: Member): { label: string; type: string; detail: string; apply?: string } {
  return { label: m.name, type: m.kind === 'method' ? 'method' : 'property', detail: m.detail };
}

/** Completion of runtime globals and, after a dot, of the members the chain resolves to. */
export function runtimeCompletions(ctx: CompletionContext): CompletionResult | null {
  const word = ctx.matchBefore(/[\w$]*/);
  if (word === null) return null;
  const before = ctx.state.sliceDoc(Math.max(0, word.from - 200), word.from);
  if (before.endsWith('.')) {
    const chain = CHAIN.exec(before)?.[1];
    const members = chain === undefined ? undefined : membersAfter(runtimeModel(), chain);
    if (members === undefined) return null;
    return { from: word.from, options: members.map(option), validFor: /^[\w$]*$/ };
  }
  if (word.from === word.to && !ctx.explicit) return null;
  return { from: word.from, options: runtimeModel().globals.map(option), validFor: /^[\w$]*$/ };
}

/** Diagnostics positions (1-based line/column) as document offsets, clamped to the document. */
export function toEditorDiagnostics(view: EditorView, list: readonly SourceDiagnostic[]): Diagnostic[] {
  const doc = view.state.doc;
  return list.map((d) => {
    const line = doc.line(Math.min(Math.max(1, d.line), doc.lines));
    const from = Math.min(line.from + Math.max(0, d.column - 1), line.to);
    const to = Math.min(from + Math.max(1, d.length), doc.length);
    return { from, to: Math.max(to, from), severity: d.severity, message: d.message, source: 'isobar' };
  });
}

/** The editor; `value` replaces the text when it changes from outside (another service, a rollback). */
export function CodeEditor(props: {
  value: string;
  label: string;
  onChange: (value: string) => void;
  /** Runs the platform check; its answer becomes the inline diagnostics (and the list below). */
  check: (code: string) => Promise<readonly SourceDiagnostic[]>;
  onDiagnostics: (list: readonly SourceDiagnostic[]) => void;
  onCheckError: (err: unknown) => void;
}): VNode {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The latest callbacks, read by the long-lived editor extensions.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const parent = host.current;
    if (parent === null) return;
    const v = new EditorView({
      parent,
      doc: props.value,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        typescriptLanguage.data.of({ autocomplete: runtimeCompletions }),
        autocompletion({ activateOnTyping: true }),
        lintGutter(),
        linter(
          async (ed) => {
            try {
              const list = await latest.current.check(ed.state.doc.toString());
              latest.current.onDiagnostics(list);
              return toEditorDiagnostics(ed, list);
            } catch (err) {
              latest.current.onCheckError(err);
              return [];
            }
          },
          { delay: 400 },
        ),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) latest.current.onChange(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': props.label }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v === null || v.state.doc.toString() === props.value) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  return html`<div class="code-editor" ref=${host}></div>`;
}
