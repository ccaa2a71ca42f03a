// extension.js with VS Code's API and vscode-languageclient stood in for (neither runs
// outside VS Code): activation starts one client running `covcheck lsp` for CPL documents,
// from the `covcheck.*` settings; a settings change restarts it; deactivation stops it.
'use strict';
const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');

const settings = { path: '/opt/covcheck/bin/covcheck', debounceMs: 300 };
const clients = [];
let onConfigurationChange;
class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: 0, stopped: 0 });
    clients.push(this);
  }
  async start() { this.started += 1; }
  async stop() { this.stopped += 1; }
}
const fakes = {
  vscode: {
    workspace: {
      getConfiguration: (section) => {
        assert.equal(section, 'covcheck');
        return { get: (key, fallback) => (key in settings ? settings[key] : fallback) };
      },
      onDidChangeConfiguration: (listener) => { onConfigurationChange = listener; return { dispose() {} }; },
    },
  },
  'vscode-languageclient/node': { LanguageClient: FakeLanguageClient },
};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  return request in fakes ? fakes[request] : load.call(this, request, parent, isMain);
};

async function main() {
  const extension = require(path.join(__dirname, '..', 'extension.js'));
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.equal(clients.length, 1);
  const [client] = clients;
  assert.deepEqual(client.serverOptions, { command: '/opt/covcheck/bin/covcheck', args: ['lsp', '--debounce-ms', '300'] });
  assert.deepEqual(client.clientOptions.documentSelector.map((s) => s.language), ['cpl', 'cpl']);
  assert.equal(client.started, 1);
  assert.equal(context.subscriptions.length, 1);
  console.log('ok   activate starts `covcheck lsp` from the settings');

  settings.path = 'covcheck';
  await onConfigurationChange({ affectsConfiguration: (s) => s === 'covcheck' });
  assert.equal(client.stopped, 1);
  assert.equal(clients.length, 2);
  assert.equal(clients[1].serverOptions.command, 'covcheck');
  assert.equal(clients[1].started, 1);
  await onConfigurationChange({ affectsConfiguration: () => false });
  assert.equal(clients.length, 2);
  console.log('ok   a settings change restarts the server');

  await extension.deactivate();
  assert.equal(clients[1].stopped, 1);
  console.log('ok   deactivate stops it');
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
