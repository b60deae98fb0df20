/**
 * infra/offline-streams.cjs, the stand-in that loads serverless-offline-dynamodb-streams only when `sls offline`
 * starts (the e2e test in test/e2e.test.ts shows the stream delivered through it). It must offer every hook the
 * plugin has, hand each call to the plugin, and load nothing before the first one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

type Hooks = Record<string, (...args: unknown[]) => unknown>;
type PluginClass = new (serverless: unknown, cliOptions: unknown, utils: unknown) => { hooks: Hooks };

const Standin = require('../infra/offline-streams.cjs') as PluginClass & { HOOKS: string[] };
const pluginPath = require.resolve('serverless-offline-dynamodb-streams');

describe('infra/offline-streams.cjs', () => {
  it('has exactly the hooks of serverless-offline-dynamodb-streams, all of them offline ones', () => {
    const Plugin = require(pluginPath) as PluginClass;
    const real = Object.keys(new Plugin({}, {}, {}).hooks).sort();
    expect(Object.keys(new Standin({}, {}, {}).hooks).sort()).toEqual(real);
    expect([...Standin.HOOKS].sort()).toEqual(real);
    for (const hook of real) expect(hook.startsWith('offline:')).toBe(true);
  });

  it('creates the plugin on the first hook call and passes it the call', async () => {
    delete require.cache[pluginPath];
    const standin = new Standin({ service: {} }, { stage: 'dev' }, {});
    expect(require.cache[pluginPath]).toBeUndefined();
    const Plugin = require(pluginPath) as PluginClass & { prototype: { end: (skipExit?: boolean) => Promise<void> } };
    const calls: unknown[][] = [];
    const original = Plugin.prototype.end;
    Plugin.prototype.end = async function (this: unknown, ...args: unknown[]) {
      calls.push(args);
    };
    try {
      await standin.hooks['offline:start:end']!(true);
      await standin.hooks['offline:start:end']!(false);
    } finally {
      Plugin.prototype.end = original;
    }
    expect(calls).toEqual([[true], [false]]);
  });

  it('is listed before serverless-offline in serverless.yml (its hooks must run first)', () => {
    const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
    const plugins = /^plugins:\n((?:\s+(?:#.*|- .+)\n)+)/m.exec(yml)?.[1] ?? '';
    const names = [...plugins.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual(['./infra/offline-streams.cjs', 'serverless-offline']);
  });
});
