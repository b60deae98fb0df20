/**
 * The policy playground page: policy tabs (CodeMirror editors, validated as you type), the request builder,
 * and the decision with its trace, computed by the engine bundled into this page (lib/, no server round trip);
 * the compare and summary views ask the access analysis, which runs in a worker loaded when first needed.
 * The state lives in the URL fragment (share.ts), so a link reproduces the page.
 */
import './style.css';
import { explain } from '../../lib/engine/engine.js';
import { isErrorResponse, type EvaluateRequest, type ExplainResponse } from '../../lib/types.js';
import { h, nextId } from './dom.js';
import { PolicyEditor } from './editor.js';
import { compareView } from './compare.js';
import { lineColumn, type FindingMark } from './findings.js';
import { RequestForm } from './request-form.js';
import { decidingStatements, jsonView, renderDecision, textView, traceStatement, traceView } from './results.js';
import { explainByReference, type WhoCanAnswer, type WhoCanLine, whoCanStored } from './service.js';
import { decodeState, encodeState } from './share.js';
import { summaryView } from './summary.js';
import { defaultState, fromEvaluateRequest, requestOnly, TEMPLATES, toEvaluateRequest, type PlaygroundState, type PolicyTab } from './state.js';
import type { Outcome, ResultView, StatementRef, ViewContext } from './views.js';

/** Result views, in tab order. */
const VIEWS: ResultView[] = [traceView, textView, jsonView, compareView, summaryView];

interface TabUi {
  tab: PolicyTab;
  button: HTMLButtonElement;
  panel: HTMLElement;
  editor: PolicyEditor;
  findings: HTMLElement;
  marks: FindingMark[];
  markedText: string;
}

let state: PlaygroundState = defaultState();
let outcome: Outcome | null = null;
let activeView = VIEWS[0]!.id;
const tabs: TabUi[] = [];
let token = '';

const tabList = h('div', { role: 'tablist', 'aria-label': 'Policies', class: 'tabs' });
const tabPanels = h('div', { class: 'tab-panels' });
const formRoot = h('form', { class: 'request', 'aria-labelledby': 'request-h', onsubmit: (e: Event) => e.preventDefault() });
const decisionRoot = h('div', { class: 'decision-root', 'aria-live': 'polite', 'aria-atomic': 'true' });
const decidedBy = h('div', { class: 'decided-by' });
const viewTabs = h('div', { role: 'tablist', 'aria-label': 'Result views', class: 'tabs view-tabs' });
const viewPanel = h('div', { role: 'tabpanel', id: 'view-panel', class: 'view-panel', tabindex: 0 });
const status = h('p', { class: 'status', role: 'status' });
const shareOut = h('input', { type: 'text', readonly: true, class: 'share-url', 'aria-label': 'Share link' });

const form = new RequestForm(
  formRoot,
  () => state.request,
  () => stateChanged(),
);

const ctx: ViewContext = {
  state: () => state,
  outcome: () => outcome,
  loadRequest(request: EvaluateRequest) {
    state.request = fromEvaluateRequest(request, state.request);
    form.render();
    stateChanged(true);
  },
  setTabs(next: PolicyTab[]) {
    state.tabs = next.map((t) => ({ ...t }));
    state.active = 0;
    renderTabs();
    stateChanged();
  },
  setBaseline(next: PolicyTab[] | null) {
    if (next) state.baseline = next.map((t) => ({ ...t }));
    else delete state.baseline;
    renderView();
    scheduleShare();
  },
  showStatement,
  activeView: () => activeView,
  redraw: () => renderView(),
};

// ---------------------------------------------------------------------------------------------------------
// Policy tabs

/** The tab's label: id, kind (with the document's Version, read leniently: the text may not parse), errors. */
function tabLabel(t: PolicyTab, marks: FindingMark[]): string {
  const errors = marks.filter((m) => m.severity === 'error').length;
  const version = /"Version"\s*:\s*"([^"\\]{1,8})"/.exec(t.text)?.[1];
  const kind = t.type === 'scp' ? `SCP ${t.level || 'root'}` : `identity${version ? ` ${version}` : ''}`;
  return `${t.id || '(no id)'} · ${kind}${errors ? ` · ${errors} error${errors > 1 ? 's' : ''}` : ''}`;
}

function selectTab(i: number, focus = false): void {
  state.active = Math.max(0, Math.min(i, tabs.length - 1));
  tabs.forEach((t, k) => {
    const on = k === state.active;
    t.button.setAttribute('aria-selected', String(on));
    t.button.tabIndex = on ? 0 : -1;
    t.panel.hidden = !on;
  });
  if (focus) tabs[state.active]?.button.focus();
  scheduleShare();
}

function renderFindings(ui: TabUi): void {
  const text = ui.markedText;
  const counts = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const m of ui.marks) counts[m.severity]++;
  const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
  const summary = ui.marks.length === 0 ? 'No findings.' : `${n(counts.error, 'error')}, ${n(counts.warning, 'warning')}, ${n(counts.info + counts.hint, 'suggestion')}.`;
  ui.findings.replaceChildren(
    h('p', { class: 'findings-summary' }, summary),
    ui.marks.length === 0
      ? ''
      : h(
          'ul',
          { class: 'findings-list' },
          ui.marks.map((m) => {
            const { line, column } = lineColumn(text, m.from);
            return h(
              'li',
              { class: `finding sev-${m.severity}`, 'data-code': m.code, 'data-line': line },
              h('span', { class: `sev sev-${m.severity}` }, m.finding.severity.replace('_', ' ')),
              ' ',
              h('code', {}, m.code),
              ' ',
              h('button', { type: 'button', class: 'link', onclick: () => ui.editor.select(m.from, m.to) }, `line ${line}, column ${column}`),
              ': ',
              m.message,
              ...m.fixes.map((f) => h('button', { type: 'button', class: 'fix', onclick: () => ui.editor.applyFix(f.from, f.to, f.insert, text) && ui.editor.view.focus() }, f.label)),
            );
          }),
        ),
  );
  ui.button.textContent = tabLabel(ui.tab, ui.marks);
}

function buildTab(tab: PolicyTab): TabUi {
  const id = nextId('tab');
  const button = h('button', { type: 'button', role: 'tab', id, class: 'tab', 'aria-selected': 'false', 'aria-controls': `${id}-panel` }, tabLabel(tab, []));
  const panel = h('div', { role: 'tabpanel', id: `${id}-panel`, 'aria-labelledby': id, class: 'policy-panel' });
  const findings = h('div', { class: 'findings', 'aria-live': 'polite' });
  const editorHost = h('div', { class: 'editor' });
  const ui: TabUi = { tab, button, panel, findings, marks: [], markedText: tab.text, editor: undefined as unknown as PolicyEditor };
  ui.editor = new PolicyEditor({
    parent: editorHost,
    text: tab.text,
    label: `Policy document ${tab.id}`,
    type: () => tab.type,
    onChange: (text) => {
      tab.text = text;
      ui.button.textContent = tabLabel(tab, ui.marks);
      stateChanged();
    },
    onFindings: (marks, text) => {
      ui.marks = marks;
      ui.markedText = text;
      renderFindings(ui);
    },
  });
  const idInput = h('input', {
    type: 'text',
    value: tab.id,
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: (e: Event) => {
      tab.id = (e.target as HTMLInputElement).value.trim();
      ui.button.textContent = tabLabel(tab, ui.marks);
      stateChanged();
    },
  });
  idInput.id = nextId('pid');
  const level = h('input', {
    type: 'text',
    value: tab.level ?? 'root',
    autocomplete: 'off',
    oninput: (e: Event) => {
      tab.level = (e.target as HTMLInputElement).value.trim();
      ui.button.textContent = tabLabel(tab, ui.marks);
      stateChanged();
    },
  });
  level.id = nextId('lvl');
  const levelField = h('div', { class: 'field' }, h('label', { for: level.id }, 'SCP level (root, OU or account id)'), level);
  levelField.hidden = tab.type !== 'scp';
  const type = h(
    'select',
    {
      onchange: (e: Event) => {
        tab.type = (e.target as HTMLSelectElement).value === 'scp' ? 'scp' : 'identity';
        if (tab.type === 'scp' && !tab.level) tab.level = level.value || 'root';
        levelField.hidden = tab.type !== 'scp';
        ui.button.textContent = tabLabel(tab, ui.marks);
        ui.editor.relint();
        stateChanged();
      },
    },
    h('option', { value: 'identity', selected: tab.type === 'identity' }, 'Identity policy (5.0 or 1.1)'),
    h('option', { value: 'scp', selected: tab.type === 'scp' }, 'SCP (5.0)'),
  );
  type.id = nextId('ptype');
  const template = h(
    'select',
    {
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value as keyof typeof TEMPLATES | '';
        (e.target as HTMLSelectElement).value = '';
        if (!v) return;
        ui.editor.view.dispatch({ changes: { from: 0, to: ui.editor.view.state.doc.length, insert: TEMPLATES[v] } });
      },
    },
    h('option', { value: '' }, 'Replace with a template…'),
    h('option', { value: '5.0' }, 'Identity policy, version 5.0'),
    h('option', { value: '1.1' }, 'Identity policy, version 1.1 (legacy)'),
    h('option', { value: 'scp' }, 'SCP (Deny-only)'),
  );
  template.id = nextId('tpl');
  const remove = h('button', { type: 'button', onclick: () => removeTab(tabs.indexOf(ui)) }, 'Remove this policy');
  panel.append(
    h(
      'div',
      { class: 'toolbar' },
      h('div', { class: 'field' }, h('label', { for: idInput.id }, 'Policy id'), idInput),
      h('div', { class: 'field' }, h('label', { for: type.id }, 'Kind'), type),
      levelField,
      h('div', { class: 'field' }, h('label', { for: template.id }, 'Template'), template),
      remove,
    ),
    editorHost,
    findings,
  );
  button.addEventListener('click', () => selectTab(tabs.indexOf(ui)));
  button.addEventListener('keydown', (e: KeyboardEvent) => {
    const i = tabs.indexOf(ui);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    selectTab((next + tabs.length) % tabs.length, true);
  });
  return ui;
}

function renderTabs(): void {
  for (const t of tabs) t.editor.destroy();
  tabs.length = 0;
  for (const tab of state.tabs) tabs.push(buildTab(tab));
  tabList.replaceChildren(...tabs.map((t) => t.button));
  tabPanels.replaceChildren(...tabs.map((t) => t.panel));
  selectTab(state.active);
}

function uniqueId(base: string): string {
  let n = 1;
  while (state.tabs.some((t) => t.id === `${base}-${n}`)) n++;
  return `${base}-${n}`;
}

function addTab(kind: '5.0' | '1.1' | 'scp'): void {
  const tab: PolicyTab = kind === 'scp' ? { id: uniqueId('scp'), type: 'scp', level: 'root', text: TEMPLATES.scp } : { id: uniqueId('policy'), type: 'identity', text: TEMPLATES[kind] };
  state.tabs.push(tab);
  const ui = buildTab(tab);
  tabs.push(ui);
  tabList.append(ui.button);
  tabPanels.append(ui.panel);
  selectTab(tabs.length - 1, true);
  stateChanged();
}

function removeTab(i: number): void {
  const ui = tabs[i];
  if (!ui) return;
  ui.editor.destroy();
  ui.button.remove();
  ui.panel.remove();
  tabs.splice(i, 1);
  state.tabs.splice(i, 1);
  selectTab(Math.min(i, tabs.length - 1), true);
  stateChanged();
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation and results

function tabOf(ref: StatementRef): TabUi | undefined {
  return tabs.find((t) => t.tab.id === ref.policy_id && (ref.layer === 'identity' ? t.tab.type === 'identity' : t.tab.type === 'scp' && (t.tab.level || 'root') === ref.level));
}

function showStatement(ref: StatementRef, span?: { from: number; to: number }): void {
  const ui = tabOf(ref);
  if (!ui) return;
  let at = span;
  if (!at) {
    const r = outcome?.response;
    const s = r && !isErrorResponse(r) ? traceStatement(r, ref) : undefined;
    if (s?.span) at = { from: s.span.start.offset, to: s.span.end.offset };
  }
  if (!at) return;
  selectTab(tabs.indexOf(ui));
  ui.editor.select(at.from, at.to);
}

/** Highlights the deciding statements in their tabs; `reveal` also switches to the first one's tab. */
function highlightDeciding(r: ExplainResponse | null, reveal: boolean): void {
  for (const t of tabs) t.editor.highlight(null);
  decidedBy.replaceChildren();
  if (!r || outcome?.source !== 'local') return;
  const refs = decidingStatements(r);
  let first: TabUi | undefined;
  const links: HTMLElement[] = [];
  for (const ref of refs) {
    const ui = tabOf(ref);
    const s = traceStatement(r, ref);
    if (!ui || !s?.span) continue;
    ui.editor.highlight({ from: s.span.start.offset, to: s.span.end.offset, kind: ref.kind });
    first ??= ui;
    links.push(h('button', { type: 'button', class: 'link', onclick: () => showStatement(ref) }, `statement ${ref.statement}${s.sid ? ` "${s.sid}"` : ''} of ${ref.policy_id}`));
  }
  if (links.length) decidedBy.append(h('p', {}, refs[0]?.kind === 'deny' ? 'Denied by ' : 'Allowed by ', ...links.flatMap((l, i) => [i ? ', ' : '', l]), ' (highlighted in its tab).'));
  if (reveal && first && !tabs[state.active]?.editor.view.hasFocus) selectTab(tabs.indexOf(first));
}

const FOCUSABLE = 'button, a[href], summary, input, select, textarea';

/**
 * Draws the view in front. A view redraws after every evaluation (and the analysis views when their answer
 * arrives): focus inside the panel moves to the control at the same place, so a keyboard user who loaded a
 * witness, say, keeps their place.
 */
function renderView(): void {
  const view = VIEWS.find((v) => v.id === activeView) ?? VIEWS[0]!;
  const focused = document.activeElement;
  const at = focused instanceof HTMLElement && focused !== viewPanel && viewPanel.contains(focused) ? [...viewPanel.querySelectorAll(FOCUSABLE)].indexOf(focused) : -1;
  view.render(viewPanel, ctx);
  if (at >= 0 && !viewPanel.contains(focused)) {
    const controls = viewPanel.querySelectorAll<HTMLElement>(FOCUSABLE);
    (controls[Math.min(at, controls.length - 1)] ?? viewPanel).focus({ preventScroll: true });
  }
}

function showOutcome(o: Outcome, reveal: boolean): void {
  outcome = o;
  decisionRoot.replaceChildren(renderDecision(o));
  highlightDeciding(isErrorResponse(o.response) ? null : o.response, reveal);
  renderView();
}

let firstDecision = true;
function evaluateLocal(reveal: boolean): void {
  const request = toEvaluateRequest(state);
  const t0 = performance.now();
  const response = explain(request);
  const ms = performance.now() - t0;
  showOutcome({ source: 'local', request, response, ms }, reveal);
  if (firstDecision) {
    firstDecision = false;
    performance.mark('playground:first-decision');
    document.documentElement.dataset.firstDecision = String(Math.round(performance.now()));
  }
}

let evalTimer: ReturnType<typeof setTimeout> | undefined;
function stateChanged(reveal = false): void {
  clearTimeout(evalTimer);
  evalTimer = setTimeout(() => evaluateLocal(reveal), 120);
  scheduleShare();
}

function showView(id: string): void {
  activeView = id;
  if (id === VIEWS[0]!.id) delete state.view;
  else state.view = id;
  renderViewTabs();
  renderView();
  scheduleShare();
}

function renderViewTabs(): void {
  const buttons = VIEWS.map((v) => {
    const b = h(
      'button',
      { type: 'button', role: 'tab', class: 'tab', id: `view-${v.id}`, 'aria-selected': String(v.id === activeView), 'aria-controls': 'view-panel', tabindex: v.id === activeView ? 0 : -1 },
      v.label,
    );
    b.addEventListener('click', () => showView(v.id));
    b.addEventListener('keydown', (e: KeyboardEvent) => {
      const i = VIEWS.indexOf(v);
      const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? VIEWS.length - 1 : null;
      if (next === null) return;
      e.preventDefault();
      showView(VIEWS[(next + VIEWS.length) % VIEWS.length]!.id);
      document.getElementById(`view-${activeView}`)?.focus();
    });
    return b;
  });
  viewTabs.replaceChildren(...buttons);
  viewPanel.setAttribute('aria-labelledby', `view-${activeView}`);
}

// ---------------------------------------------------------------------------------------------------------
// Share link and the service

let shareTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleShare(): void {
  clearTimeout(shareTimer);
  shareTimer = setTimeout(() => void updateShare(), 300);
}

async function updateShare(): Promise<string> {
  const hash = await encodeState(state);
  history.replaceState(null, '', hash);
  shareOut.value = location.href;
  return location.href;
}

async function copyShare(): Promise<void> {
  const url = await updateShare();
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = `Link copied (${url.length} characters). It carries the whole page; nothing was sent anywhere.`;
  } catch {
    shareOut.select();
    status.textContent = 'Copy the selected link. It carries the whole page; nothing was sent anywhere.';
  }
}

async function loadFromHash(): Promise<void> {
  const decoded = await decodeState(location.hash);
  if (decoded instanceof Error) status.textContent = decoded.message;
  if (decoded && !(decoded instanceof Error)) {
    const base = defaultState();
    state = {
      v: 1,
      tabs: decoded.tabs,
      active: Math.max(0, Math.min(decoded.active, decoded.tabs.length - 1)),
      request: { ...base.request, ...decoded.request, principal: { ...base.request.principal, ...decoded.request.principal } },
    };
    if (decoded.baseline) state.baseline = decoded.baseline;
    // The view its author had in front; a link with a baseline opens on the comparison.
    const view = VIEWS.find((v) => v.id === (decoded.view ?? (decoded.baseline ? 'compare' : undefined)));
    if (view && view.id !== VIEWS[0]!.id) state.view = view.id;
  }
  activeView = state.view ?? VIEWS[0]!.id;
}

async function evaluateWithService(): Promise<void> {
  if (!token.trim()) {
    status.textContent = 'Paste a token first (npm start prints one for the example account).';
    return;
  }
  const request = requestOnly(state.request);
  status.textContent = 'Asking the service…';
  const answer = await explainByReference(request, token);
  status.textContent = answer.status === 200 ? 'The service answered.' : `The service answered ${answer.status}.`;
  showOutcome({ source: 'service', request, response: answer.body, ms: answer.ms }, false);
}

/** Who in the stored account can perform the request's action on its resource (the service's who-can). */
const whoCanOut = h('div', { class: 'who-can', 'aria-live': 'polite' });

async function whoCanWithService(): Promise<void> {
  if (!token.trim()) {
    status.textContent = 'Paste a token first (npm start prints one for the example account).';
    return;
  }
  const request = requestOnly(state.request);
  if (typeof request.action !== 'string') {
    whoCanOut.replaceChildren(h('p', { class: 'hint' }, 'Who can asks about one action: choose an action (not an API call) in the request above.'));
    return;
  }
  status.textContent = 'Asking the service who can…';
  const answer = await whoCanStored(request.action, request.resource, token);
  status.textContent = answer.status === 200 ? 'The service answered.' : `The service answered ${answer.status}.`;
  whoCanOut.replaceChildren(...whoCanView(answer));
}

function whoCanView(answer: WhoCanAnswer): HTMLElement[] {
  const body = answer.body;
  if ('error' in body) return [h('p', { class: 'error' }, `${body.error.code}: ${body.error.message}`)];
  const scopeText = (s: { type: string; project?: string; enterprise_project_id?: string }): string =>
    s.type === 'project' ? `project ${s.project}` : s.type === 'enterprise_project' ? `enterprise project ${s.enterprise_project_id}` : s.type.replace('_', ' ');
  const why = (line: WhoCanLine): string =>
    [
      ...line.decided_by.map(
        (d) =>
          `${d.effect} ${d.layer === 'scp' ? `SCP ${d.policy_id} at ${d.level}` : d.policy_id}${d.version ? ` ${d.version}` : ''}${(d.grants ?? []).map((g) => ` (${g.holder.type} ${g.holder.id}, ${scopeText(g.scope)})`).join('')}`,
      ),
      ...(line.no_allow_in ?? []).map((l) => (l.layer === 'scp' ? `no Allow at SCP level ${l.level}` : 'no identity Allow')),
    ].join('; ') || (line.access === 'always' ? 'no identity Allow needed (the account itself)' : '');
  const mark = { always: '✓ always', conditional: '~ conditional', never: '✕ never', unknown: '? unknown' } as const;
  return [
    h(
      'table',
      { class: 'who-can-table' },
      h('caption', {}, `Who can ${body.action} on ${body.resource} (account ${body.account_id}${body.region ? `, ${body.region}` : ''}), ${answer.ms.toFixed(0)} ms`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Principal'), h('th', { scope: 'col' }, 'Access'), h('th', { scope: 'col' }, 'Why'))),
      h(
        'tbody',
        {},
        ...body.principals.map((p) =>
          h(
            'tr',
            { 'data-principal': `${p.principal.type}:${p.principal.id}`, 'data-access': p.access },
            h('th', { scope: 'row' }, `${p.principal.type} ${p.principal.id}${p.groups.length ? ` (${p.groups.join(', ')})` : ''}`),
            h('td', { class: `access-${p.access}` }, mark[p.access], p.condition ? h('span', { class: 'when' }, ` when ${p.condition}`) : ''),
            h('td', {}, why(p)),
          ),
        ),
      ),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Layout

function layout(): HTMLElement {
  const tokenInput = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', oninput: (e: Event) => (token = (e.target as HTMLInputElement).value) });
  tokenInput.id = nextId('token');
  return h(
    'div',
    { class: 'page' },
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'IMS policy playground'),
      h('p', { class: 'tagline' }, 'Write identity policies and SCPs, build a request, and see the decision with the statement that made it. Everything runs in this page.'),
      h('div', { class: 'share' }, h('button', { type: 'button', onclick: () => void copyShare() }, 'Copy share link'), shareOut),
      status,
    ),
    h(
      'main',
      { class: 'columns' },
      h(
        'section',
        { class: 'col policies', 'aria-labelledby': 'policies-h' },
        h('h2', { id: 'policies-h' }, 'Policies'),
        tabList,
        h(
          'div',
          { class: 'add-tabs' },
          h('button', { type: 'button', onclick: () => addTab('5.0') }, 'Add identity policy (5.0)'),
          h('button', { type: 'button', onclick: () => addTab('1.1') }, 'Add identity policy (1.1)'),
          h('button', { type: 'button', onclick: () => addTab('scp') }, 'Add SCP'),
        ),
        tabPanels,
      ),
      h(
        'div',
        { class: 'col side' },
        h('section', { class: 'result-section', 'aria-labelledby': 'result-h' }, h('h2', { id: 'result-h' }, 'Decision'), decisionRoot, decidedBy, viewTabs, viewPanel),
        h(
          'section',
          { class: 'request-section', 'aria-labelledby': 'request-h' },
          h('h2', { id: 'request-h' }, 'Request'),
          formRoot,
          h('button', { type: 'button', class: 'primary', onclick: () => evaluateLocal(true) }, 'Evaluate'),
        ),
        h(
          'section',
          { class: 'service-section', 'aria-labelledby': 'service-h' },
          h('h2', { id: 'service-h' }, 'Stored policies (optional)'),
          h(
            'p',
            { class: 'hint' },
            'Evaluate the request above against the policies stored in the service for its principal (by reference), or ask who in the stored account can perform its action on its resource. The token stays in this page: it is not part of the share link.',
          ),
          h(
            'form',
            {
              class: 'service',
              onsubmit: (e: Event) => {
                e.preventDefault();
                void evaluateWithService();
              },
            },
            h('div', { class: 'field' }, h('label', { for: tokenInput.id }, 'Bearer token'), tokenInput),
            h('button', { type: 'submit' }, 'Evaluate with stored policies'),
            h('button', { type: 'button', onclick: () => void whoCanWithService() }, 'Who can do this?'),
          ),
          whoCanOut,
        ),
      ),
    ),
  );
}

async function start(): Promise<void> {
  await loadFromHash();
  document.getElementById('app')?.replaceChildren(layout());
  renderTabs();
  form.render();
  renderViewTabs();
  // The state's own active tab stays in front (a shared link shows what its author saw); Evaluate reveals.
  evaluateLocal(false);
  await updateShare();
  window.addEventListener('hashchange', () => {
    void (async () => {
      await loadFromHash();
      renderTabs();
      form.render();
      renderViewTabs();
      evaluateLocal(false);
    })();
  });
}

void start();
