// The CPL extension's entry point: starts `covcheck lsp` (the language server of
// lsp/ in the covcheck repository) for CPL documents through vscode-languageclient.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

// The server command from the settings: `covcheck.path` and `covcheck.debounceMs`.
function serverOptions(config) {
  const command = config.get('path') || 'covcheck';
  const debounce = String(config.get('debounceMs', 150));
  return { command, args: ['lsp', '--debounce-ms', debounce] };
}

async function activate(context) {
  const config = vscode.workspace.getConfiguration('covcheck');
  client = new LanguageClient('covcheck', 'covcheck (CPL)', serverOptions(config), {
    documentSelector: [
      { scheme: 'file', language: 'cpl' },
      { scheme: 'untitled', language: 'cpl' },
    ],
  });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('covcheck') && client) {
        await client.stop();
        client = new LanguageClient('covcheck', 'covcheck (CPL)', serverOptions(vscode.workspace.getConfiguration('covcheck')),
                                    client.clientOptions);
        await client.start();
      }
    }));
  await client.start();
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate, serverOptions };
