/**
 * Completion inside policy documents: action names (Action, NotAction), condition keys (keys of an operator's
 * object under Condition), operators, element names and the fixed values (Effect, Version), from the engine's
 * catalog, with the access level or key type as detail and the catalog's description as info.
 *
 * Where the cursor is: a tolerant scan of the text before it (strings, objects, arrays, keys), which also
 * works in the half-typed documents completion is for, where a parse tree is mostly error nodes. Documents
 * are a few KB (6,144 characters is the stored limit), so one pass per completion request is nothing.
 */
import { catalog } from '../../lib/catalog/catalog.js';
import { operatorNames } from '../../lib/policy/operators.js';

export type Role = 'action' | 'condition_key' | 'operator' | 'statement_key' | 'document_key' | 'effect' | 'version';

export interface Completion {
  label: string;
  detail?: string;
  info?: string;
  type: string;
  boost?: number;
}

export interface CompletionAt {
  role: Role;
  /** Offset after the opening quote: completions replace from here to `to`. */
  from: number;
  to: number;
  options: Completion[];
}

interface Frame {
  kind: 'object' | 'array';
  /** Objects: the key whose value is being read (null while a key is expected). */
  key: string | null;
  expectKey: boolean;
}

/** The container stack and the open string at `pos`, or null when `pos` is not inside a string. */
export function scanTo(text: string, pos: number): { stack: Frame[]; stringStart: number } | null {
  const stack: Frame[] = [];
  let i = 0;
  while (i < pos) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      let value = '';
      while (i < pos && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < pos) {
          value += text[i + 1];
          i += 2;
        } else value += text[i++];
      }
      if (i >= pos) return { stack, stringStart: start };
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) top.key = value;
      i++;
      continue;
    }
    if (c === '{') stack.push({ kind: 'object', key: null, expectKey: true });
    else if (c === '[') stack.push({ kind: 'array', key: null, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ':') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = false;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') {
        top.expectKey = true;
        top.key = null;
      }
    }
    i++;
  }
  return null;
}

/** What a string at the end of this stack is: null when nothing is offered there. */
export function roleOf(stack: Frame[]): Role | null {
  const at = (k: number): Frame | undefined => stack[stack.length - 1 - k];
  const top = at(0);
  if (!top) return null;
  const keyOf = (f: Frame | undefined): string | null => (f?.kind === 'object' ? f.key : null);
  const inStatement = (k: number): boolean => {
    // A statement object: an element of the Statement array, or the value of Statement itself.
    const f = at(k);
    if (f?.kind !== 'object') return false;
    const parent = at(k + 1);
    if (parent?.kind === 'array') return keyOf(at(k + 2)) === 'Statement' && stack.length - (k + 2) === 1;
    return keyOf(parent) === 'Statement' && stack.length - (k + 1) === 1;
  };
  if (top.kind === 'object' && top.expectKey) {
    if (stack.length === 1) return 'document_key';
    if (inStatement(0)) return 'statement_key';
    if (keyOf(at(1)) === 'Condition' && inStatement(1)) return 'operator';
    if (at(1)?.kind === 'object' && keyOf(at(2)) === 'Condition' && inStatement(2)) return 'condition_key';
    return null;
  }
  const valueKey = top.kind === 'array' ? keyOf(at(1)) : top.key;
  const owner = top.kind === 'array' ? 2 : 1;
  if ((valueKey === 'Action' || valueKey === 'NotAction') && inStatement(owner - 1)) return 'action';
  if (top.kind === 'object' && top.key === 'Effect' && inStatement(0)) return 'effect';
  if (top.kind === 'object' && top.key === 'Version' && stack.length === 1) return 'version';
  return null;
}

const LEVEL_LABEL: Record<string, string> = { list: 'list', read: 'read', write: 'write', permission_management: 'permission management', tagging: 'tagging' };

let actionOptions: Completion[] | undefined;
function actions(): Completion[] {
  return (actionOptions ??= catalog.actions.flatMap((a) => {
    const level: string = (a.access_level ? LEVEL_LABEL[a.access_level] : undefined) ?? (a.kind === 'foreign' ? 'other service' : 'dependency only');
    const info = a.description ? { info: a.description } : {};
    const main: Completion = { label: a.name, detail: level, ...info, type: 'constant', boost: a.kind === 'action' ? 1 : 0 };
    const aliases = a.aliases.map((alias): Completion => ({ label: alias, detail: `${level} · 1.1 name of ${a.name}`, ...info, type: 'constant', boost: -1 }));
    return [main, ...aliases];
  }));
}

let keyOptions: Completion[] | undefined;
function conditionKeys(): Completion[] {
  return (keyOptions ??= catalog.condition_keys.map((k) => ({
    label: k.key.replace(/<tag-key>$/, ''),
    detail: `${k.type}${k.multi_valued ? ', multi-valued' : ''} · ${k.scope === 'service' ? 'IMS key' : 'global key'}`,
    info: `${k.description}${k.key.endsWith('<tag-key>') ? ' Type the tag key after the slash.' : ''}${k.status === 'unverified' ? ' (Not in a Huawei document: the validator warns.)' : ''}`,
    type: 'property',
    boost: k.scope === 'service' ? 1 : 0,
  })));
}

function operators(): Completion[] {
  const names = operatorNames();
  return [
    ...names.map((n) => ({ label: n, type: 'keyword', detail: 'operator' })),
    ...names.map((n) => ({ label: `${n}IfExists`, type: 'keyword', detail: 'operator, true when the key is absent', boost: -1 })),
    ...['ForAnyValue:', 'ForAllValues:'].map((q) => ({ label: q, type: 'keyword', detail: 'qualifier for multi-valued keys', boost: -2 })),
  ];
}

const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];

function optionsFor(role: Role): Completion[] {
  switch (role) {
    case 'action':
      return actions();
    case 'condition_key':
      return conditionKeys();
    case 'operator':
      return operators();
    case 'statement_key':
      return STATEMENT_KEYS.map((label) => ({ label, type: 'property', detail: 'statement element' }));
    case 'document_key':
      return ['Version', 'Statement'].map((label) => ({ label, type: 'property', detail: 'policy element' }));
    case 'effect':
      return ['Allow', 'Deny'].map((label) => ({ label, type: 'keyword' }));
    case 'version':
      return [
        { label: '5.0', type: 'keyword', detail: 'identity policy or SCP' },
        { label: '1.1', type: 'keyword', detail: 'legacy fine-grained policy' },
      ];
  }
}

/** Completions at `pos` of a policy text, or null when the cursor is not in a string that has any. */
export function completionsAt(text: string, pos: number): CompletionAt | null {
  const scan = scanTo(text, pos);
  if (!scan) return null;
  const role = roleOf(scan.stack);
  if (!role) return null;
  const from = scan.stringStart + 1;
  // Replace up to the closing quote when the string is already closed on this line.
  let to = pos;
  while (to < text.length && text[to] !== '"' && text[to] !== '\n' && text[to] !== '\\') to++;
  if (text[to] !== '"') to = pos;
  return { role, from, to, options: optionsFor(role) };
}
