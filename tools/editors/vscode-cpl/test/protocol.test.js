// `covcheck lsp` through vscode-jsonrpc, the JSON-RPC layer vscode-languageclient (and so
// VS Code) talks through: initialize, open a shipped policy, hover, completion, a
// diagnostic after an edit, shutdown and exit. Run by tests/e2e/vscode_extension.sh with
// COVCHECK (the binary) and POLICY (a .cpl file); exits non-zero on the first failure.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const rpc = require('vscode-jsonrpc/node');

async function main() {
  const policy = path.resolve(process.env.POLICY);
  const uri = pathToFileURL(policy).href;
  const text = fs.readFileSync(policy, 'utf8');
  const server = spawn(process.env.COVCHECK, ['lsp', '--debounce-ms', '20'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout),
                                                 new rpc.StreamMessageWriter(server.stdin));
  const diagnostics = [];
  connection.onNotification('textDocument/publishDiagnostics', (params) => diagnostics.push(params));
  connection.listen();

  const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(init.capabilities.hoverProvider, true);
  assert.deepEqual(init.capabilities.completionProvider.triggerCharacters, ['.', ' ', '{']);
  await connection.sendNotification('initialized', {});
  await connection.sendNotification('textDocument/didOpen',
                                    { textDocument: { uri, languageId: 'cpl', version: 1, text } });

  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('require adult'));
  const hover = await connection.sendRequest('textDocument/hover',
                                             { textDocument: { uri }, position: { line, character: lines[line].indexOf('adult') + 1 } });
  assert.match(hover.contents.value, /define adult/);
  console.log(`ok   hover on \`adult\`: ${hover.contents.value.split('\n')[1]}`);

  const edited = `${text}\nrule s9 "t" cite "§9"\n  when request.`;
  await connection.sendNotification('textDocument/didChange',
                                    { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  const last = edited.split('\n').length - 1;
  const completion = await connection.sendRequest('textDocument/completion',
                                                  { textDocument: { uri }, position: { line: last, character: '  when request.'.length } });
  const labels = completion.items.map((i) => i.label);
  assert.ok(labels.includes('service'), labels.join(' '));
  console.log(`ok   completion after \`request.\`: ${labels.length} fields`);

  // The unfinished rule is a syntax error, published once edits pause.
  const deadline = Date.now() + 5000;
  while (!diagnostics.some((d) => d.version === 2 && d.diagnostics.length > 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const published = diagnostics.find((d) => d.version === 2 && d.diagnostics.length > 0);
  assert.ok(published, 'no diagnostics for version 2');
  assert.match(published.diagnostics[0].code, /^parse\./);
  console.log(`ok   diagnostic: ${published.diagnostics[0].code} at line ${published.diagnostics[0].range.start.line + 1}`);

  await connection.sendRequest('shutdown');
  const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  await connection.sendNotification('exit');
  assert.equal(await exited, 0);
  console.log('ok   shutdown and exit: status 0');
  connection.dispose();
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
