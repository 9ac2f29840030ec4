// Drives `lspkit serve mcp` with the official MCP TypeScript SDK client, as
// an MCP host would, and prints what happened as one JSON object on stdout
// for samples/mcp's TestTypeScriptSDKClient to check. MCP_COMMAND and
// MCP_ARGS (a JSON array) are the server's command line, as README.md's
// mcpServers configuration gives it. Every message in and out is recorded on the way, by
// wrapping the transport's send and onmessage.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const out = { steps: [], errors: [] };
const step = (name) => out.steps.push(name);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sdk = JSON.parse(readFileSync(new URL('./node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url)));
out.library = `${sdk.name}@${sdk.version}`;

const transport = new StdioClientTransport({
  command: process.env.MCP_COMMAND,
  args: JSON.parse(process.env.MCP_ARGS),
  stderr: 'pipe',
});
let serverStderr = '';
transport.stderr.on('data', (d) => { serverStderr += d; });

// The wire, both ways, with the time each message passed.
const wire = [];
const send = transport.send.bind(transport);
transport.send = (m, opts) => { wire.push({ dir: 'out', at: performance.now(), m }); return send(m, opts); };
const start = transport.start.bind(transport);
transport.start = () => {
  const deliver = transport.onmessage;
  transport.onmessage = (m, extra) => { wire.push({ dir: 'in', at: performance.now(), m }); deliver?.(m, extra); };
  return start();
};

const client = new Client({ name: 'lspkit-e2e', version: '1.0.0' });
client.onerror = (e) => out.errors.push(String(e));
const logs = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });

try {
  await client.connect(transport);
  step('connect');
  out.server = client.getServerVersion();
  out.capabilities = client.getServerCapabilities();
  out.protocolVersion = wire.find((w) => w.dir === 'in' && w.m.result?.protocolVersion)?.m.result.protocolVersion;

  const { tools } = await client.listTools();
  out.tools = tools.map((t) => ({ name: t.name, required: t.inputSchema.required ?? [], hasOutputSchema: !!t.outputSchema }));
  step('listTools');

  // The SDK checks structuredContent against each tool's outputSchema.
  out.evaluate = await client.callTool({ name: 'evaluate', arguments: { expression: '2*(3+4)^2' } });
  out.evaluateInvalid = await client.callTool({ name: 'evaluate', arguments: { expression: '2*(3+' } });
  out.check = await client.callTool({ name: 'check', arguments: { source: 'let x = 1\nlet y = z * 2\n' } });
  step('callTool');

  await client.setLoggingLevel('info');
  await client.callTool({ name: 'check', arguments: { source: '1\n2\n' } });
  await sleep(50); // the log notification came before the reply; let it be handled
  out.logs = logs.slice();
  step('logging');

  const progress = [];
  out.count = await client.callTool({ name: 'count', arguments: { to: 5, delayMs: 10 } }, undefined, {
    onprogress: (p) => progress.push(p),
  });
  out.progress = progress;
  // The wire as it came, for that call: its progress notifications and its
  // reply, in order. (The SDK may lose the last progress when it comes in the
  // same read as the reply: it dispatches notifications a microtask later
  // than replies; typescript-sdk issue #2580.)
  const countReq = wire.find((w) => w.dir === 'out' && w.m.params?.arguments?.to === 5).m;
  out.countWire = wire.filter((w) => w.dir === 'in' && (w.m.id === countReq.id ||
    (w.m.method === 'notifications/progress' && w.m.params.progressToken === countReq.params._meta.progressToken)))
    .map((w) => (w.m.method ? `progress ${w.m.params.progress}/${w.m.params.total}` : 'reply'));
  out.countToken = countReq.params._meta.progressToken;
  step('progress');

  // Abort a long count after three steps; then watch the wire for a while.
  const abortedProgress = [];
  const ac = new AbortController();
  let abortedAt = 0;
  const aborted = client.callTool({ name: 'count', arguments: { to: 1000, delayMs: 50 } }, undefined, {
    signal: ac.signal,
    onprogress: (p) => {
      abortedProgress.push(p);
      if (abortedProgress.length === 3) {
        abortedAt = performance.now();
        ac.abort('enough counting');
      }
    },
  });
  out.abortError = await aborted.then(() => 'no error', (e) => String(e));
  await sleep(600); // 12 steps' time
  const req = wire.find((w) => w.dir === 'out' && w.m.method === 'tools/call' && w.m.params?.arguments?.to === 1000).m;
  out.abort = {
    requestId: req.id,
    cancelSent: wire.find((w) => w.dir === 'out' && w.m.method === 'notifications/cancelled')?.m.params ?? null,
    repliesReceived: wire.filter((w) => w.dir === 'in' && w.m.id === req.id && !w.m.method).length,
    // every progress for the call that reached us, before and after the abort
    // (one may have been on its way when the server got the cancellation)
    progressOnWire: wire.filter((w) => w.dir === 'in' && w.m.method === 'notifications/progress' &&
      w.m.params.progressToken === req.params._meta.progressToken).map((w) => w.m.params.progress),
    progressAfterAbort: wire.filter((w) => w.dir === 'in' && w.m.method === 'notifications/progress' &&
      w.m.params.progressToken === req.params._meta.progressToken && w.at > abortedAt).length,
    progressBefore: abortedProgress.length,
  };
  await client.ping(); // the session goes on
  step('abort');

  try {
    await client.callTool({ name: 'count', arguments: { to: 'ten', delayMs: 1 } });
    out.badArgument = 'no error';
  } catch (e) {
    out.badArgument = { code: e.code, message: e.message, data: e.data };
  }
  step('badArgument');

  const child = transport._process; // the SDK's handle on the server process
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const closeStart = performance.now();
  await client.close(); // ends stdin, waits 2 s, then SIGTERM, then SIGKILL
  out.exit = await exited;
  out.exit.ms = Math.round(performance.now() - closeStart);
  step('close');
} catch (e) {
  out.error = String(e?.stack ?? e);
}
out.serverStderr = serverStderr;
out.wireMethods = wire.map((w) => w.dir + " " + (w.m.method ?? ("reply " + w.m.id)));
process.stdout.write(JSON.stringify(out) + '\n');
