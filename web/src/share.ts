/**
 * The share link: the whole state in the URL fragment, `#s=<base64url of deflate-raw of the JSON>`. The
 * fragment never reaches a server (browsers do not send it), so a shared link reproduces the page without the
 * policies leaving the browser. Compression is the platform's CompressionStream (no library).
 */
import type { PlaygroundState, PolicyTab } from './state.js';

const PREFIX = '#s=';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export async function encodeState(state: PlaygroundState): Promise<string> {
  return PREFIX + toBase64Url(await pipe(new TextEncoder().encode(JSON.stringify(state)), new CompressionStream('deflate-raw')));
}

/** The state a fragment carries; null when there is none; an Error when it is damaged. */
export async function decodeState(hash: string): Promise<PlaygroundState | null | Error> {
  if (!hash.startsWith(PREFIX)) return null;
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream('deflate-raw')));
    const value = JSON.parse(json) as unknown;
    const problem = stateProblem(value);
    return problem ? new Error(`The shared link's state ${problem}.`) : (value as PlaygroundState);
  } catch {
    return new Error('The shared link is damaged (it could not be decompressed); the default example is shown instead.');
  }
}

/** What is wrong with a decoded state, or null (a link may come from anyone: check before use). */
export function stateProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'is not an object';
  const s = v as Partial<PlaygroundState>;
  if (s.v !== 1) return `has version ${JSON.stringify(s.v)}, not 1`;
  if (!Array.isArray(s.tabs) || s.tabs.length > 50) return 'has no list of policy tabs (at most 50)';
  const tabProblem = (t: unknown): string | null => {
    if (typeof t !== 'object' || t === null) return 'has a malformed policy tab';
    const tab = t as Partial<PolicyTab>;
    if (typeof tab.id !== 'string' || typeof tab.text !== 'string' || (tab.type !== 'identity' && tab.type !== 'scp')) return 'has a malformed policy tab';
    if (tab.level !== undefined && typeof tab.level !== 'string') return 'has a malformed SCP level';
    return null;
  };
  for (const t of s.tabs) {
    const p = tabProblem(t);
    if (p) return p;
  }
  if (s.baseline !== undefined) {
    if (!Array.isArray(s.baseline) || s.baseline.length > 50) return 'has a malformed compare baseline (a list of at most 50 policy tabs)';
    for (const t of s.baseline) {
      const p = tabProblem(t);
      if (p) return `${p} in its compare baseline`;
    }
  }
  if (s.view !== undefined && (typeof s.view !== 'string' || s.view.length > 20)) return 'has a malformed result view';
  if (typeof s.active !== 'number') return 'has no active tab';
  const r = s.request;
  if (typeof r !== 'object' || r === null || typeof r.principal !== 'object' || r.principal === null || !Array.isArray(r.context)) return 'has a malformed request';
  if (r.mode !== 'action' && r.mode !== 'api') return 'has an unknown request mode';
  for (const k of ['action', 'api', 'region'] as const) if (typeof r[k] !== 'string') return `has a malformed request ${k}`;
  for (const c of r.context) {
    if (typeof c !== 'object' || c === null || typeof c.key !== 'string' || typeof c.value !== 'string' || (c.absent !== undefined && typeof c.absent !== 'boolean'))
      return 'has a malformed context row';
  }
  if (typeof r.resource_parts !== 'object' || r.resource_parts === null || typeof r.api_params !== 'object' || r.api_params === null) return 'has malformed resource or API fields';
  return null;
}
