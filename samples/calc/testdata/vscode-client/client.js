// End-to-end test of `lspkit serve calc` with Microsoft's LSP client
// library, vscode-languageserver-protocol (the protocol layer of VS Code's
// vscode-languageclient), over the server process's stdio:
//
//   npm ci --prefix samples/calc/testdata/vscode-client
//   CALC_LSPKIT=/path/to/lspkit CALC_ROOT=/path/to/workspace node client.js
//
// With CALC_TRANSPORT=pipe it launches the server with --pipe instead, as
// vscode-languageclient's TransportKind.pipe does.
//
// CALC_ROOT holds main.calc and lib.calc (testdata/workspace). It plays the
// scenario an editor would, as VS Code does it (UTF-16 positions, pulled
// diagnostics, progress on tokens the server creates), and prints what it
// observed as one JSON object on stdout, which the Go test (e2e_test.go)
// checks. A failure is printed there too, as "error", with exit code 1.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const lsp = require('vscode-languageserver-protocol/node');

const timeoutMs = 10000;
const out = { steps: [] };

function withTimeout(what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out waiting for ' + what)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// waitFor resolves once cond() holds, checking whenever poke() is called.
function waiter() {
  const pending = [];
  return {
    poke() {
      for (const w of pending.splice(0)) {
        if (w.cond()) w.resolve(); else pending.push(w);
      }
    },
    waitFor(what, cond) {
      if (cond()) return Promise.resolve();
      return withTimeout(what, new Promise((resolve) => pending.push({ cond, resolve })));
    },
  };
}

// A document as the client holds it: its text and version, with positions
// in UTF-16 code units, which is how JavaScript strings count.
class Doc {
  constructor(uri, text) {
    this.uri = uri;
    this.text = text;
    this.version = 1;
  }
  lines() {
    return this.text.split('\n');
  }
  // The position of the nth occurrence of needle in line.
  at(line, needle, nth = 1) {
    const text = this.lines()[line];
    let character = -1;
    for (let i = 0; i < nth; i++) {
      character = text.indexOf(needle, character + 1);
      if (character < 0) throw new Error(`${needle} not in ${text}`);
    }
    return { line, character };
  }
  offset(pos) {
    const lines = this.lines();
    let off = 0;
    for (let i = 0; i < pos.line; i++) off += lines[i].length + 1;
    return off + pos.character;
  }
  // Apply edits as an editor does, last first, and return them as the
  // content changes of the didChange that tells the server.
  apply(edits) {
    const sorted = [...edits].sort((a, b) => this.offset(b.range.start) - this.offset(a.range.start));
    for (const e of sorted) {
      this.text = this.text.slice(0, this.offset(e.range.start)) + e.newText + this.text.slice(this.offset(e.range.end));
    }
    this.version++;
    return sorted.map((e) => ({ range: e.range, text: e.newText }));
  }
}

// installedVersion reads the version of a package in node_modules (the
// package's exports do not include its package.json).
function installedVersion(name) {
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

async function run() {
  const bin = process.env.CALC_LSPKIT;
  const root = process.env.CALC_ROOT;
  if (!bin || !root) throw new Error('CALC_LSPKIT and CALC_ROOT must be set');
  out.library = 'vscode-languageserver-protocol@' + installedVersion('vscode-languageserver-protocol');

  // CALC_TRANSPORT=pipe launches the server as vscode-languageclient's
  // TransportKind.pipe does: the client listens on a random pipe name (a
  // Unix socket; a named pipe on Windows) and passes it with --pipe, and
  // its own process id with --clientProcessId. Otherwise: stdio.
  out.transport = process.env.CALC_TRANSPORT || 'stdio';
  let child, exited, reader, writer;
  if (out.transport === 'pipe') {
    const pipeName = lsp.generateRandomPipeName();
    const pipe = await lsp.createClientPipeTransport(pipeName);
    child = spawn(bin, ['serve', 'calc', `--pipe=${pipeName}`, `--clientProcessId=${process.pid}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const early = exited.then((e) => { throw new Error('the server exited before connecting: ' + JSON.stringify(e)); });
    [reader, writer] = await withTimeout('the server to connect to ' + pipeName, Promise.race([pipe.onConnected(), early]));
  } else {
    child = spawn(bin, ['serve', 'calc', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    reader = new lsp.StreamMessageReader(child.stdout);
    writer = new lsp.StreamMessageWriter(child.stdin);
  }
  const connection = lsp.createProtocolConnection(reader, writer);

  const events = waiter();
  const progress = []; // {token, value}, in order
  const registrations = [];
  let pushed = 0;
  const configuration = [];
  connection.onRequest(lsp.ConfigurationRequest.type, (params) => {
    configuration.push(params.items.map((i) => i.section));
    return params.items.map((i) => (i.section === 'calc' ? { precision: 3 } : null));
  });
  // As vscode-languageclient does: a token the server creates gets a
  // progress handler of its own.
  connection.onRequest(lsp.WorkDoneProgressCreateRequest.type, ({ token }) => {
    connection.onProgress(lsp.WorkDoneProgress.type, token, (value) => {
      progress.push({ token, value });
      events.poke();
    });
    return null;
  });
  connection.onRequest(lsp.RegistrationRequest.type, (params) => {
    registrations.push(...params.registrations.map((r) => r.method));
    return null;
  });
  connection.onRequest(lsp.DiagnosticRefreshRequest.type, () => null);
  connection.onNotification(lsp.PublishDiagnosticsNotification.type, () => {
    pushed++;
  });
  connection.listen();

  out.steps.push('initialize');
  const rootURI = pathToFileURL(root).href;
  const init = await withTimeout('initialize', connection.sendRequest(lsp.InitializeRequest.type, {
    processId: process.pid,
    clientInfo: { name: 'calc-e2e', version: '1.0' },
    rootUri: rootURI,
    workspaceFolders: [{ uri: rootURI, name: 'calc' }],
    capabilities: {
      general: { positionEncodings: ['utf-16'] },
      window: { workDoneProgress: true },
      workspace: {
        configuration: true,
        workspaceFolders: true,
        applyEdit: true,
        didChangeWatchedFiles: { dynamicRegistration: true },
        diagnostics: { refreshSupport: true },
      },
      textDocument: {
        synchronization: { dynamicRegistration: false, didSave: true },
        diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
        publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        completion: { completionItem: { snippetSupport: true } },
        rename: { prepareSupport: true },
      },
    },
  }));
  out.server_info = init.serverInfo;
  out.position_encoding = init.capabilities.positionEncoding;
  await connection.sendNotification(lsp.InitializedNotification.type, {});

  // The workspace is indexed with progress.
  await events.waitFor('indexing progress', () => progress.some((p) => p.value.kind === 'end'));
  out.indexing = progress.map((p) => ({ kind: p.value.kind, title: p.value.title, message: p.value.message }));
  out.registrations = registrations;

  out.steps.push('open');
  const mainPath = path.join(root, 'main.calc');
  const doc = new Doc(pathToFileURL(mainPath).href, fs.readFileSync(mainPath, 'utf8'));
  out.uri = doc.uri;
  const id = { uri: doc.uri };
  await connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
    textDocument: { uri: doc.uri, languageId: 'calc', version: doc.version, text: doc.text },
  });
  const change = (contentChanges) => connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri: doc.uri, version: doc.version },
    contentChanges,
  });
  const request = (what, type, params) => withTimeout(what, connection.sendRequest(type, params));
  const diagnostics = async () => {
    const report = await request('diagnostics', lsp.DocumentDiagnosticRequest.type, { textDocument: id });
    return report.items.map((d) => ({ range: d.range, severity: d.severity, message: d.message, tags: d.tags || [] }));
  };
  out.diagnostics = await diagnostics();

  out.steps.push('hover');
  out.hover = [];
  for (const [line, needle] of [[3, 'τ'], [3, '𝑥'], [1, 'π']]) {
    const h = await request('hover', lsp.HoverRequest.type, { textDocument: id, position: doc.at(line, needle) });
    out.hover.push({ value: h.contents.value, range: h.range });
  }

  out.steps.push('completion');
  const items = await request('completion', lsp.CompletionRequest.type, { textDocument: id, position: doc.at(3, '𝑥') });
  out.completion = (items.items || items).map((i) => i.label);

  out.steps.push('signature help');
  const sig = await request('signature help', lsp.SignatureHelpRequest.type, { textDocument: id, position: { line: 3, character: 0 } });
  out.signature_help_outside_call = sig;

  out.steps.push('definition');
  out.definition = await request('definition', lsp.DefinitionRequest.type, { textDocument: id, position: doc.at(3, 'τ') });

  out.steps.push('references');
  out.references = await request('references', lsp.ReferencesRequest.type, {
    textDocument: id, position: doc.at(3, '𝑥'), context: { includeDeclaration: true },
  });

  out.steps.push('rename');
  const prepared = await request('prepareRename', lsp.PrepareRenameRequest.type, { textDocument: id, position: doc.at(3, '𝑥') });
  out.prepare_rename = prepared;
  const edit = await request('rename', lsp.RenameRequest.type, { textDocument: id, position: doc.at(3, '𝑥'), newName: 'ξ' });
  await change(doc.apply(edit.changes[doc.uri]));
  out.renamed = doc.lines();

  out.steps.push('formatting');
  const edits = await request('formatting', lsp.DocumentFormattingRequest.type, { textDocument: id, options: { tabSize: 4, insertSpaces: true } });
  await change(doc.apply(edits));
  out.formatted = doc.lines();

  // Incremental edits: a new line with a name of letters outside the BMP,
  // then that name twice at the start of the last line; what comes after
  // the names must still be found.
  out.steps.push('incremental edit');
  await change(doc.apply([{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, newText: 'let 𝑥𝑦 = 1\n' }]));
  await change(doc.apply([{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, newText: '𝑥𝑦 * 𝑥𝑦 + ' }]));
  out.edited = doc.lines();
  out.after_edit = [];
  for (const [line, needle, nth] of [[4, 'τ', 1], [4, 'ξ', 1], [4, '𝑥𝑦', 2]]) {
    const h = await request('hover', lsp.HoverRequest.type, { textDocument: id, position: doc.at(line, needle, nth) });
    out.after_edit.push({ value: h.contents.value, range: h.range });
  }
  out.definition_after_edit = await request('definition', lsp.DefinitionRequest.type, { textDocument: id, position: doc.at(4, '𝑥𝑦', 2) });
  out.diagnostics_after_edit = await diagnostics();

  // A few more features a VS Code user sees.
  out.steps.push('more');
  const symbols = await request('document symbols', lsp.DocumentSymbolRequest.type, { textDocument: id });
  out.document_symbols = symbols.map((s) => `${s.name} ${s.detail}`);
  const hints = await request('inlay hints', lsp.InlayHintRequest.type, { textDocument: id, range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } } });
  out.inlay_hints = hints.map((h) => ({ position: h.position, label: h.label }));
  const actions = await request('code actions', lsp.CodeActionRequest.type, {
    textDocument: id, range: { start: doc.at(2, 'unused'), end: doc.at(2, 'unused') }, context: { diagnostics: [] },
  });
  out.code_actions = actions.map((a) => a.title);

  // Cancellation: the slow command, cancelled once its progress began.
  out.steps.push('cancel');
  const source = new lsp.CancellationTokenSource();
  const started = Date.now();
  const slow = connection.sendRequest(lsp.ExecuteCommandRequest.type, {
    command: 'calc.evaluateWorkspace', arguments: [{ delayMs: 60000 }],
  }, source.token);
  const begun = () => progress.find((p) => p.value.kind === 'begin' && p.value.title === 'Evaluating the workspace');
  await events.waitFor('the progress of the command', begun);
  source.cancel();
  try {
    const result = await withTimeout('the cancelled request', slow);
    out.cancel = { result };
  } catch (err) {
    out.cancel = { code: err.code, message: err.message };
  }
  const token = begun().token;
  await events.waitFor('the end of the cancelled work', () => progress.some((p) => p.token === token && p.value.kind === 'end'));
  out.cancel.ms = Date.now() - started;
  // The server goes on serving.
  const h = await request('hover', lsp.HoverRequest.type, { textDocument: id, position: doc.at(4, 'τ') });
  out.hover_after_cancel = h.contents.value;

  out.steps.push('shutdown');
  await request('shutdown', lsp.ShutdownRequest.type, undefined);
  out.pushed_diagnostics = pushed; // a client that pulls is pushed nothing
  out.configuration = configuration;
  await connection.sendNotification(lsp.ExitNotification.type);
  out.exit = await withTimeout('the server to exit', exited);
  connection.dispose();
  out.steps.push('done');
}

run().then(
  () => {
    process.stdout.write(JSON.stringify(out) + '\n');
  },
  (err) => {
    out.error = String(err && err.stack ? err.stack : err);
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(1);
  },
);
