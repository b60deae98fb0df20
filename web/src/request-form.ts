/**
 * The request builder: principal, action (grouped by access level) or an IMS API call from the catalog's
 * routes (path parameters and hints), a resource URN built from the resource type's template, the region, and
 * the context keys the chosen action carries (catalog types decide the control), plus free global keys.
 * It edits `RequestFields` (state.ts) and reports every change; it never builds JSON itself.
 */
import { catalog } from '../../lib/catalog/catalog.js';
import type { PrincipalType } from '../../lib/types.js';
import type { CatalogConditionKey } from '@ims-authz/catalog';
import { actionsByLevel, apiHints, apiKey, contextKeysOf, fillPath, findAction, findApi, globalKeys, keyInfo, pathParams, typeLabel, urnPlaceholders } from './catalog-info.js';
import { field, h, nextId } from './dom.js';
import { hasResourceType, resourceUrn, URN_TEMPLATE, type ContextRow, type RequestFields } from './state.js';

const PRINCIPAL_TYPES: Array<{ value: PrincipalType; label: string }> = [
  { value: 'user', label: 'IAM user' },
  { value: 'agency', label: 'Agency' },
  { value: 'account', label: 'Account (root)' },
  { value: 'service_linked_agency', label: 'Service-linked agency' },
];

const PART_LABELS: Record<string, string> = { region: 'Region in the URN', 'account-id': 'Owner account id', 'image-id': 'Image id' };

export class RequestForm {
  private dynamic = h('div', { class: 'dynamic' });

  constructor(
    private readonly root: HTMLElement,
    private readonly get: () => RequestFields,
    private readonly changed: () => void,
  ) {}

  private update(mut: (r: RequestFields) => void, rerender = false): void {
    mut(this.get());
    if (rerender) this.renderDynamic();
    this.changed();
  }

  private text(labelText: string, value: string, set: (v: string) => void, opts: { hint?: string; placeholder?: string; name?: string } = {}): HTMLDivElement {
    const input = h('input', {
      type: 'text',
      value,
      placeholder: opts.placeholder,
      name: opts.name,
      autocomplete: 'off',
      spellcheck: 'false',
      oninput: (e: Event) => this.update(() => set((e.target as HTMLInputElement).value)),
    });
    return field(labelText, input, opts.hint);
  }

  render(): void {
    const r = this.get();
    const p = r.principal;
    const agency = this.text('Agency name', p.agency, (v) => (this.get().principal.agency = v), { name: 'agency' });
    agency.hidden = p.type !== 'agency';
    const typeSelect = h(
      'select',
      {
        name: 'principal-type',
        onchange: (e: Event) =>
          this.update((x) => {
            x.principal.type = (e.target as HTMLSelectElement).value as PrincipalType;
            agency.hidden = x.principal.type !== 'agency';
          }),
      },
      PRINCIPAL_TYPES.map((t) => h('option', { value: t.value, selected: t.value === p.type }, t.label)),
    );
    const mgmt = h('input', {
      type: 'checkbox',
      id: nextId('mgmt'),
      checked: p.management_account,
      onchange: (e: Event) => this.update((x) => (x.principal.management_account = (e.target as HTMLInputElement).checked)),
    });
    const principal = h(
      'fieldset',
      { class: 'principal' },
      h('legend', {}, 'Principal'),
      field('Type', typeSelect),
      this.text('Account id', p.account_id, (v) => (this.get().principal.account_id = v), { name: 'account-id' }),
      this.text('User name', p.user_name, (v) => (this.get().principal.user_name = v), { name: 'user-name' }),
      this.text('User id', p.user_id, (v) => (this.get().principal.user_id = v), { name: 'user-id' }),
      agency,
      this.text('Organization path', p.org_path, (v) => (this.get().principal.org_path = v), {
        name: 'org-path',
        placeholder: 'o-1/r-1/ou-a/acc-1',
        hint: 'For SCPs and g:PrincipalOrgPath: organization/root/OUs/account.',
      }),
      h('div', { class: 'check' }, mgmt, h('label', { for: mgmt.id }, 'Management account of the organization (SCPs do not apply)')),
    );

    const modeName = nextId('mode');
    const modeRadio = (value: RequestFields['mode'], text: string): HTMLElement => {
      const input = h('input', { type: 'radio', name: modeName, id: nextId('m'), value, checked: r.mode === value, onchange: () => this.update((x) => (x.mode = value), true) });
      return h('span', { class: 'radio' }, input, h('label', { for: input.id }, text));
    };
    const mode = h('fieldset', { class: 'mode' }, h('legend', {}, 'What is requested'), modeRadio('action', 'An action'), modeRadio('api', 'An IMS API call'));

    const full = h('input', {
      type: 'checkbox',
      id: nextId('full'),
      checked: r.scp_full_access,
      onchange: (e: Event) => this.update((x) => (x.scp_full_access = (e.target as HTMLInputElement).checked)),
    });
    const where = h(
      'fieldset',
      { class: 'where' },
      h('legend', {}, 'Where'),
      this.text('Region (project)', r.region, (v) => (this.get().region = v), { name: 'region', hint: "The request's region, e.g. cn-north-4 (project-scoped grants and g:RequestedRegion)." }),
      h('div', { class: 'check' }, full, h('label', { for: full.id }, 'Attach the system FullAccess SCP at every SCP level (as enabling SCPs does)')),
    );
    this.root.replaceChildren(principal, mode, this.dynamic, where);
    this.renderDynamic();
  }

  /** The parts that depend on the mode, the action or the API: rebuilt when those change. */
  renderDynamic(): void {
    const r = this.get();
    const parts: HTMLElement[] = [];
    if (r.mode === 'action') parts.push(this.actionPicker(r));
    else parts.push(this.apiPicker(r));
    if (r.mode === 'action') parts.push(this.resourceBuilder(r));
    parts.push(this.contextEditor(r));
    this.dynamic.replaceChildren(...parts);
  }

  private actionPicker(r: RequestFields): HTMLElement {
    const info = h('small', { class: 'hint', id: nextId('action-hint') });
    const describe = (name: string): void => {
      const a = findAction(name);
      info.textContent = a
        ? `${a.access_level ? a.access_level.replace(/_/g, ' ') : a.kind.replace(/_/g, ' ')} · ${a.description || 'no description'}${a.resource_types.length ? '' : ' · no resource type'}`
        : 'Not a catalog action.';
    };
    const select = h(
      'select',
      { name: 'action', 'aria-describedby': info.id, onchange: (e: Event) => this.update((x) => (x.action = (e.target as HTMLSelectElement).value), true) },
      actionsByLevel().map((g) =>
        h(
          'optgroup',
          { label: g.label },
          g.actions.map((a) => h('option', { value: a.name, selected: a.name === r.action }, a.name)),
        ),
      ),
    );
    select.id = nextId('action');
    describe(r.action);
    return h('fieldset', { class: 'action' }, h('legend', {}, 'Action'), h('div', { class: 'field' }, h('label', { for: select.id }, 'Action (grouped by access level)'), select, info));
  }

  private apiPicker(r: RequestFields): HTMLElement {
    const api = findApi(r.api) ?? catalog.apis[0];
    const select = h(
      'select',
      {
        name: 'api',
        onchange: (e: Event) =>
          this.update((x) => {
            x.api = (e.target as HTMLSelectElement).value;
            x.hints = {};
          }, true),
      },
      catalog.apis.map((a) => h('option', { value: apiKey(a), selected: a === api }, `${a.method} ${a.path} → ${a.action}`)),
    );
    if (!api) return h('p', {}, 'The catalog has no APIs.');
    const params = pathParams(api.path).map((name) =>
      this.text(
        `Path parameter ${name}`,
        r.api_params[name] ?? '',
        (v) => {
          this.get().api_params[name] = v;
          path.value = fillPath(api.path, this.get().api_params);
        },
        { name: `param-${name}` },
      ),
    );
    const path = h('output', { class: 'preview' }, fillPath(api.path, r.api_params));
    const hints = apiHints(api).map(({ hint, notes }) => {
      const current = r.hints[hint];
      const options =
        hint === 'quick_import_disk'
          ? [
              ['', 'Not given (assume every disk kind)'],
              ['system', 'System disk'],
              ['data', 'Data disk'],
            ]
          : [
              ['', 'Not given (assume yes)'],
              ['true', 'Yes'],
              ['false', 'No'],
            ];
      const sel = h(
        'select',
        {
          name: `hint-${hint}`,
          onchange: (e: Event) =>
            this.update((x) => {
              const v = (e.target as HTMLSelectElement).value;
              if (v === '') delete x.hints[hint];
              else if (hint === 'quick_import_disk') x.hints.quick_import_disk = v as 'system' | 'data';
              else x.hints.enterprise_project = v === 'true';
            }),
        },
        options.map(([v, t]) => h('option', { value: v, selected: String(current ?? '') === v }, t as string)),
      );
      return field(hint === 'quick_import_disk' ? 'Hint: quick import of which disk' : 'Hint: enterprise project user or migration', sel, notes.join(' · '));
    });
    const deps = api.dependencies.length
      ? h(
          'ul',
          { class: 'deps', 'aria-label': 'Actions the call also needs' },
          api.dependencies.map((d) => h('li', {}, h('code', {}, d.action), d.condition ? ` (${d.condition.note})` : ' (always)')),
        )
      : h('p', { class: 'hint' }, 'The call needs no other action.');
    return h(
      'fieldset',
      { class: 'api' },
      h('legend', {}, 'IMS API call'),
      field('API (method, path → its action)', select),
      ...params,
      h('p', {}, 'Path: ', path),
      ...hints,
      h('p', { class: 'hint' }, 'Besides ', h('code', {}, api.action), ', the call needs:'),
      deps,
    );
  }

  private resourceBuilder(r: RequestFields): HTMLElement {
    if (!hasResourceType(r)) {
      return h(
        'fieldset',
        { class: 'resource' },
        h('legend', {}, 'Resource'),
        h('p', { class: 'hint' }, h('code', {}, r.action), ' has no resource type: it is requested on ', h('code', {}, '*'), '.'),
      );
    }
    const preview = h('output', { class: 'preview', 'aria-label': 'Resource URN' }, resourceUrn(r));
    const name = nextId('res');
    const radio = (value: RequestFields['resource_mode'], text: string): HTMLElement => {
      const input = h('input', { type: 'radio', name, id: nextId('r'), value, checked: r.resource_mode === value, onchange: () => this.update((x) => (x.resource_mode = value), true) });
      return h('span', { class: 'radio' }, input, h('label', { for: input.id }, text));
    };
    const inputs =
      r.resource_mode === 'urn'
        ? urnPlaceholders(URN_TEMPLATE).map((part) =>
            this.text(
              PART_LABELS[part] ?? part,
              r.resource_parts[part] ?? '',
              (v) => {
                this.get().resource_parts[part] = v;
                preview.value = resourceUrn(this.get());
              },
              { name: `urn-${part}`, ...(part === 'image-id' ? { hint: '* stands for every image' } : {}) },
            ),
          )
        : [];
    return h(
      'fieldset',
      { class: 'resource' },
      h('legend', {}, 'Resource'),
      h('div', { class: 'radios', role: 'group', 'aria-label': 'Resource kind' }, radio('urn', 'One image (URN)'), radio('omit', 'Every image (no resource)')),
      ...inputs,
      r.resource_mode === 'urn' ? h('p', {}, 'URN: ', preview) : h('p', { class: 'hint' }, 'An Allow must then cover every image; a Deny applies if it may hit one.'),
    );
  }

  private contextEditor(r: RequestFields): HTMLElement {
    const api = r.mode === 'api' ? findApi(r.api) : undefined;
    const actions = api ? [api.action, ...api.dependencies.filter((d) => d.condition === null).map((d) => d.action)] : [r.action];
    const offers = contextKeysOf(actions);
    const claimed = new Set<ContextRow>();
    const rowFor = (match: (key: string) => boolean): ContextRow | undefined => r.context.find((c) => !claimed.has(c) && match(c.key.toLowerCase()));
    const offered = offers.map((o) => {
      const lower = o.key.toLowerCase();
      const prefix = lower.replace(/<tag-key>$/, '');
      const row = rowFor((k) => (o.tag ? k.startsWith(prefix) : k === lower));
      if (row) claimed.add(row);
      return this.keyRow(o.key, o.info, row, o.tag);
    });
    const listId = nextId('global-keys');
    this.freeList = listId;
    const free = r.context.filter((c) => !claimed.has(c)).map((c) => this.freeRow(c));
    const datalist = h(
      'datalist',
      { id: listId },
      globalKeys().map((k) => h('option', { value: k.key.replace(/<tag-key>$/, '') }, `${k.type}: ${k.description}`)),
    );
    return h(
      'fieldset',
      { class: 'context' },
      h('legend', {}, 'Context keys'),
      offers.length
        ? h('p', { class: 'hint' }, 'Keys this action carries in the catalog (check to send):')
        : h('p', { class: 'hint' }, 'This action carries no IMS condition keys; add global keys below.'),
      ...offered,
      free.length ? h('p', { class: 'hint' }, 'Other keys:') : null,
      ...free,
      datalist,
      h('button', { type: 'button', onclick: () => this.update((x) => x.context.push({ key: '', value: '', enabled: true }), true) }, 'Add a context key'),
    ) as HTMLElement;
  }

  private freeList = '';

  /** A row for an offered key: include checkbox, (tag name), value control by type. */
  private keyRow(key: string, info: CatalogConditionKey | undefined, row: ContextRow | undefined, tag: boolean): HTMLElement {
    const prefix = key.replace(/<tag-key>$/, '');
    const ensure = (): ContextRow => {
      const x = this.get();
      let target = row && x.context.includes(row) ? row : undefined;
      if (!target) {
        target = { key: tag ? prefix : key, value: '', enabled: false };
        x.context.push(target);
        row = target;
      }
      return target;
    };
    const check = h('input', {
      type: 'checkbox',
      id: nextId('use'),
      checked: row?.enabled ?? false,
      onchange: (e: Event) => this.update(() => (ensure().enabled = (e.target as HTMLInputElement).checked)),
    });
    const parts: HTMLElement[] = [h('span', { class: 'check' }, check, h('label', { for: check.id }, h('code', {}, key), ` (${typeLabel(info)})`))];
    if (tag) {
      const tagInput = h('input', {
        type: 'text',
        value: row ? row.key.slice(prefix.length) : '',
        placeholder: 'tag key',
        autocomplete: 'off',
        oninput: (e: Event) =>
          this.update(() => {
            const target = ensure();
            target.key = prefix + (e.target as HTMLInputElement).value;
            target.enabled = true;
            check.checked = true;
          }),
      });
      parts.push(field(`Tag key of ${prefix}`, tagInput));
    }
    parts.push(
      field(
        `Value of ${key}`,
        this.valueControl(info, row?.value ?? '', (v) => {
          const target = ensure();
          target.value = v;
          target.enabled = true;
          check.checked = true;
        }),
        info?.description,
      ),
    );
    return h('div', { class: 'ctx-row' }, ...parts);
  }

  private freeRow(row: ContextRow): HTMLElement {
    const keyInput = h('input', {
      type: 'text',
      value: row.key,
      list: this.freeList,
      placeholder: 'g:SourceIp',
      autocomplete: 'off',
      spellcheck: 'false',
      oninput: (e: Event) => this.update(() => (row.key = (e.target as HTMLInputElement).value)),
    });
    const value = h('input', {
      type: 'text',
      value: row.value,
      disabled: row.absent === true,
      autocomplete: 'off',
      oninput: (e: Event) => this.update(() => (row.value = (e.target as HTMLInputElement).value)),
    });
    const info = keyInfo(row.key);
    const absent = h('input', {
      type: 'checkbox',
      id: nextId('null'),
      checked: row.absent === true,
      onchange: (e: Event) =>
        this.update(() => {
          const on = (e.target as HTMLInputElement).checked;
          if (on) row.absent = true;
          else delete row.absent;
          value.disabled = on;
        }),
    });
    return h(
      'div',
      { class: 'ctx-row free' },
      field('Key', keyInput),
      field('Value', value, info ? `${typeLabel(info)}${info.multi_valued ? ' (comma-separated)' : ''}` : 'string (not a catalog key)'),
      h('span', { class: 'check' }, absent, h('label', { for: absent.id }, 'null (absent, even if IAM fills it)')),
      h('button', { type: 'button', 'aria-label': `Remove context key ${row.key || '(empty)'}`, onclick: () => this.update((x) => x.context.splice(x.context.indexOf(row), 1), true) }, 'Remove'),
    );
  }

  private valueControl(info: CatalogConditionKey | undefined, value: string, set: (v: string) => void): HTMLElement {
    const onInput = (e: Event): void => this.update(() => set((e.target as HTMLInputElement | HTMLSelectElement).value));
    if (info?.type === 'boolean' && !info.multi_valued) {
      return h(
        'select',
        { onchange: onInput },
        [
          ['', '(choose)'],
          ['true', 'true'],
          ['false', 'false'],
        ].map(([v, t]) => h('option', { value: v, selected: v === value }, t as string)),
      );
    }
    if (info?.type === 'numeric' && !info.multi_valued) return h('input', { type: 'number', value, oninput: onInput });
    const placeholder = info?.multi_valued ? 'comma-separated values' : info?.type === 'date' ? '2026-01-01T00:00:00Z' : info?.type === 'ip_address' ? '192.0.2.10' : '';
    return h('input', { type: 'text', value, placeholder, autocomplete: 'off', spellcheck: 'false', oninput: onInput });
  }
}
