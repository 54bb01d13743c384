'use strict';
// Shared bits of the two peer benches: options, the records, temp dirs, output.
const { fork } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const RECORD_BYTES = 300;

// --records N (default 20000) and any other positive-integer options in `more`,
// e.g. { '--batch-size': 100 }; returns { records, '--batch-size': ... }.
function parseArgs(argv, more = {}) {
  const opts = { '--records': 20000, ...more };
  for (let i = 2; i < argv.length; i += 2) {
    if (!(argv[i] in opts)) throw new Error(`unknown argument ${argv[i]} (options: ${Object.keys(opts).join(' N, ')} N)`);
    opts[argv[i]] = Number(argv[i + 1]);
    if (!Number.isInteger(opts[argv[i]]) || opts[argv[i]] < 1) throw new Error(`${argv[i]} needs a positive integer`);
  }
  return { records: opts['--records'], ...opts };
}

// A record is 300 bytes of content: 225 random bytes, base64 = 300 ASCII
// characters, so neither gzip nor any other codec can shrink it much below 225.
function makeRecord() {
  const s = crypto.randomBytes(225).toString('base64');
  if (s.length !== RECORD_BYTES) throw new Error('record is not 300 bytes');
  return s;
}

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `shouhe-peers-${tag}-`));
}

function rmDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

// The serving side (hub, writer) runs in a child process of its own, as a real
// hub or peer would: this file forked with `args`. It ends when its parent goes.
function startChild(file, args) {
  const child = fork(file, args, { stdio: ['ignore', 2, 2, 'ipc'] });
  child.on('exit', (code) => { if (code) console.error(`${path.basename(file)} ${args[0]}: exited ${code}`); });
  return child;
}

// Send msg (if any) to the child and wait for its next message.
function ask(child, msg) {
  return new Promise((ok, fail) => {
    const onExit = () => fail(new Error('the child process ended early'));
    child.once('exit', onExit);
    child.once('message', (m) => { child.off('exit', onExit); ok(m); });
    if (msg !== undefined) child.send(msg);
  });
}

// Stop the child and wait until it is gone (before its files are removed).
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  child.kill();
  await gone;
}

// In the child: answer each message with handler(message); end with the parent.
function serveParent(handler) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => process.send(await handler(m)));
}

// Human lines first, the JSON result as the last line (run.sh reads it).
function report(name, r) {
  console.log(`${name}: ${r.records} records of ${RECORD_BYTES} bytes in ${r.seconds.toFixed(3)} s`);
  console.log(`${name}: ${Math.round(r.per_s)} records/s, ${r.bytes_per_record.toFixed(1)} wire bytes/record ` +
              `(${r.wire_bytes} bytes both directions)`);
  console.log(JSON.stringify({ bench: name, record_bytes: RECORD_BYTES, ...r }));
}

module.exports = { RECORD_BYTES, parseArgs, makeRecord, tempDir, rmDir, startChild, ask, stopChild, serveParent, report };
