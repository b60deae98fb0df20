// serverless-offline-dynamodb-streams, loaded only when `sls offline` starts. The plugin requires three AWS SDK
// clients when its module loads, which cost every other command (`sls print`, `sls package`) about half a second
// on the 2-core machines; this stand-in has the same offline hooks and creates the real plugin on the first one.
// test/offline-streams.test.ts checks the hook names against the plugin's.
'use strict';

/** The plugin's hooks (all offline). */
const HOOKS = ['offline:start:init', 'offline:start:ready', 'offline:start', 'offline:start:end'];

class OfflineDynamodbStreams {
  constructor(serverless, cliOptions, utils) {
    let plugin;
    const real = () => {
      if (!plugin) {
        const Plugin = require('serverless-offline-dynamodb-streams');
        plugin = new Plugin(serverless, cliOptions, utils);
      }
      return plugin;
    };
    this.hooks = Object.fromEntries(HOOKS.map((name) => [name, (...args) => real().hooks[name](...args)]));
  }
}

module.exports = OfflineDynamodbStreams;
module.exports.HOOKS = HOOKS;
