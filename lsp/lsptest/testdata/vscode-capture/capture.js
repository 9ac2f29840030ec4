// Computes the client capabilities vscode-languageclient declares, with the
// vscode API stubbed: the library's own code fills them in. Run it with
// `npm ci && VSCODE_VERSION=1.91.0 node capture.js`; lsp/lsptest/profiles/vscode.json
// holds its output with a note of its source.
const Module = require('module');
function stub(path) {
  const fn = function () {};
  return new Proxy(fn, {
    get(t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => path;
      if (prop === 'prototype') return t.prototype;
      if (path === 'vscode' && prop === 'version') return process.env.VSCODE_VERSION;
      if (path === 'vscode.env' && prop === 'appName') return 'Visual Studio Code';
      if (path === 'vscode.env' && prop === 'language') return 'en';
      return stub(path + '.' + String(prop));
    },
    apply() { return stub(path + '()'); },
    construct() { return stub('new ' + path); },
  });
}
const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return stub('vscode');
  return origLoad.apply(this, arguments);
};
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const client = new LanguageClient('calc', 'calc', { command: 'true' }, { documentSelector: [{ language: 'calc' }] });
const caps = client.computeClientCapabilities();
process.stdout.write(JSON.stringify({ clientInfo: { name: vscode.env.appName, version: vscode.version }, capabilities: caps }, null, 2) + '\n');
