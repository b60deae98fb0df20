/**
 * One CodeMirror 6 editor per policy tab: JSON language, the validator's findings as diagnostics (underlines,
 * gutter marks, "did you mean" fixes), catalog completion, and a highlight for the statement that decided the
 * last evaluation. Tab moves focus out of the editor (no indent-with-Tab), so the page works from the keyboard;
 * lines wrap and the editor grows with its text, so it has no scrolling region of its own to reach.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { forceLinting, linter, lintGutter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { EditorState, StateEffect, StateField, type Range } from '@codemirror/state';
import { Decoration, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { validate } from '../../lib/validate/validate.js';
import type { PolicyType } from '../../lib/types.js';
import { completionsAt } from './complete.js';
import { markOf, type FindingMark } from './findings.js';

export interface Highlight {
  from: number;
  to: number;
  kind: 'allow' | 'deny';
}

const setHighlight = StateEffect.define<Highlight | null>();

const highlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let next = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setHighlight)) continue;
      if (e.value === null) next = Decoration.none;
      else {
        const { from, to, kind } = e.value;
        const doc = tr.state.doc;
        const ranges: Range<Decoration>[] = [];
        const first = doc.lineAt(Math.min(from, doc.length)).number;
        const last = doc.lineAt(Math.min(Math.max(to - 1, from), doc.length)).number;
        for (let n = first; n <= last; n++) ranges.push(Decoration.line({ class: `cm-deciding cm-deciding-${kind}` }).range(doc.line(n).from));
        next = Decoration.set(ranges);
      }
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Colours chosen for contrast on white (WCAG AA for normal text). */
const highlightStyle = HighlightStyle.define([
  { tag: tags.propertyName, color: '#0b4f8a' },
  { tag: tags.string, color: '#8a1c1c' },
  { tag: [tags.number, tags.bool, tags.null], color: '#1a5e20' },
  { tag: [tags.brace, tags.squareBracket, tags.separator], color: '#333' },
  { tag: tags.invalid, color: '#b00020' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid #8a8f98', borderRadius: '4px', background: '#fff' },
  '&.cm-focused': { outline: '2px solid #1a56db', outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', minHeight: '16rem' },
  '.cm-gutters': { background: '#f3f4f6', color: '#4b5563', borderRight: '1px solid #d1d5db' },
  '.cm-activeLine': { background: '#f0f5ff' },
  '.cm-activeLineGutter': { background: '#e0e8f8', color: '#1f2937' },
  '.cm-deciding-deny': { background: '#fde2e1 !important', boxShadow: 'inset 4px 0 0 #b42318' },
  '.cm-deciding-allow': { background: '#dcfce7 !important', boxShadow: 'inset 4px 0 0 #15803d' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul > li': { padding: '2px 6px' },
  '.cm-completionDetail': { color: '#374151', fontStyle: 'normal', marginLeft: '1em' },
  '.cm-diagnosticSource': { color: '#374151' },
});

export interface PolicyEditorOptions {
  parent: HTMLElement;
  text: string;
  /** Accessible name of the text area. */
  label: string;
  type: () => PolicyType;
  onChange: (text: string) => void;
  /** Every validation: the findings of this text. */
  onFindings: (marks: FindingMark[], text: string) => void;
}

export class PolicyEditor {
  readonly view: EditorView;

  constructor(options: PolicyEditorOptions) {
    const policyLinter = linter(
      (view): Diagnostic[] => {
        const text = view.state.doc.toString();
        const marks = validate(text, { type: options.type() }).findings.map((f) => markOf(f, text));
        options.onFindings(marks, text);
        return marks.map((m) => ({
          from: m.from,
          to: m.to,
          severity: m.severity,
          source: m.code,
          message: m.message,
          actions: m.fixes.map((fix) => ({ name: fix.label, apply: (v: EditorView, from: number, to: number) => v.dispatch({ changes: { from, to, insert: fix.insert } }) })),
        }));
      },
      { delay: 150 },
    );
    const complete = (ctx: CompletionContext): CompletionResult | null => {
      const at = completionsAt(ctx.state.doc.toString(), ctx.pos);
      if (!at) return null;
      if (!ctx.explicit && at.from === ctx.pos && at.role !== 'action' && at.role !== 'condition_key') return null;
      return { from: at.from, to: at.to, options: at.options, validFor: /^[^"\\\n]*$/ };
    };
    this.view = new EditorView({
      parent: options.parent,
      state: EditorState.create({
        doc: options.text,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          json(),
          EditorView.lineWrapping,
          syntaxHighlighting(highlightStyle),
          autocompletion({ override: [complete], activateOnTyping: true, icons: false }),
          policyLinter,
          lintGutter(),
          highlightField,
          theme,
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          EditorView.contentAttributes.of({ 'aria-label': options.label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) options.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
  }

  text(): string {
    return this.view.state.doc.toString();
  }

  /** Re-validates now (after the tab's type changed). */
  relint(): void {
    forceLinting(this.view);
  }

  /** Applies a fix computed on `textAtFinding`; refused (and re-validated) when the text changed since. */
  applyFix(from: number, to: number, insert: string, textAtFinding: string): boolean {
    if (this.text() !== textAtFinding) {
      this.relint();
      return false;
    }
    this.view.dispatch({ changes: { from, to, insert }, selection: { anchor: from + insert.length } });
    return true;
  }

  select(from: number, to: number): void {
    this.view.dispatch({ selection: { anchor: from, head: to }, effects: EditorView.scrollIntoView(from, { y: 'center' }) });
    this.view.focus();
  }

  highlight(h: Highlight | null): void {
    const effects: StateEffect<unknown>[] = [setHighlight.of(h)];
    if (h) effects.push(EditorView.scrollIntoView(h.from, { y: 'nearest' }));
    this.view.dispatch({ effects });
  }

  destroy(): void {
    this.view.destroy();
  }
}
