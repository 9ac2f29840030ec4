// A JSON-RPC 2.0 server on Node's own http module, as people write one
// without a framework: POST /rpc, one request or a batch per body. It
// listens on 127.0.0.1 at the port given (0: any) and prints
// "listening PORT" once it does. No dependencies: nothing to install.
'use strict';
const http = require('http');

const methods = {
  add: (p) => p[0] + p[1],
  subtract: (p) => (Array.isArray(p) ? p[0] - p[1] : p.minuend - p.subtrahend),
  echo: (p) => p,
};

function handle(msg) {
  if (msg === null || typeof msg !== 'object' || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
    return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
  }
  const isNotification = !('id' in msg);
  const fn = methods[msg.method];
  let reply;
  if (!fn) {
    reply = { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } };
  } else {
    reply = { jsonrpc: '2.0', id: msg.id, result: fn(msg.params) };
  }
  return isNotification ? undefined : reply;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/rpc') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    let out;
    try {
      const msg = JSON.parse(body);
      if (Array.isArray(msg)) {
        const replies = msg.map(handle).filter((r) => r !== undefined);
        out = replies.length ? replies : undefined;
      } else {
        out = handle(msg);
      }
    } catch (e) {
      out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
    }
    if (out === undefined) {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(out));
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
process.stdin.on('end', () => process.exit(0)); // the test closing our stdin ends us
process.stdin.resume();
