'use strict';
// Hypercore 11: a reader downloads N 300-byte blocks from a writer (in a process
// of its own) over one TCP connection on 127.0.0.1. Timed: from connect until
// the reader holds all N blocks (contiguousLength === N). Every block the reader
// stores has been verified by Hypercore on receipt: its hash and Merkle proof
// checked up to tree roots whose Ed25519 signature by the writer's key was
// checked. Wire bytes: every byte the reader's TCP socket read or wrote
// (Noise-encrypted protomux frames, both directions; not TCP/IP headers).
const crypto = require('crypto');
const net = require('net');
const path = require('path');
const Hypercore = require('hypercore');
const { parseArgs, makeRecord, tempDir, rmDir, startChild, ask, stopChild, serveParent, report } = require('./common');

// The writer: appends N blocks (timed apart), then serves them over TCP and
// tells the parent its port, key and the SHA-256 of all blocks.
async function writer(dir, records) {
  const core = new Hypercore(dir);
  await core.ready();
  const digest = crypto.createHash('sha256');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < records; i += 1000) {
    const blocks = [];
    for (let j = i; j < Math.min(i + 1000, records); j++) blocks.push(Buffer.from(makeRecord()));
    blocks.forEach((b) => digest.update(b));
    await core.append(blocks);
  }
  const appendSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const server = net.createServer((s) => s.pipe(core.replicate(false)).pipe(s).on('error', () => {}));
  server.listen(0, '127.0.0.1', () => process.send({
    port: server.address().port, key: core.key.toString('hex'), digest: digest.digest('hex'), appendSeconds,
  }));
  serveParent(() => ({}));
}

async function main() {
  const { records } = parseArgs(process.argv);
  const dir = tempDir('hypercore');
  let child, reader, sock;
  try {
    child = startChild(__filename, ['--writer', path.join(dir, 'writer'), String(records)]);
    const w = await ask(child);
    console.log(`hypercore: writer appended ${records} blocks in ${w.appendSeconds.toFixed(3)} s (not in the timing below)`);

    reader = new Hypercore(path.join(dir, 'reader'), Buffer.from(w.key, 'hex'));
    await reader.ready();

    const t0 = process.hrtime.bigint();
    sock = net.connect(w.port, '127.0.0.1');
    sock.pipe(reader.replicate(true)).pipe(sock);
    await reader.update({ wait: true }); // learn the signed length N
    await reader.download({ start: 0, end: records }).done();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const wireBytes = sock.bytesRead + sock.bytesWritten;

    if (reader.contiguousLength !== records) {
      throw new Error(`reader holds ${reader.contiguousLength} blocks, expected ${records}`);
    }
    const got = crypto.createHash('sha256');
    for (let i = 0; i < records; i++) got.update(await reader.get(i, { wait: false }));
    if (got.digest('hex') !== w.digest) throw new Error('downloaded blocks differ from the written ones');
    console.log(`hypercore: reader holds ${records} blocks, each verified on receipt ` +
                '(Merkle proof to Ed25519-signed tree roots), contents equal to the writer\'s');
    report('hypercore', {
      records, seconds, per_s: records / seconds,
      wire_bytes: wireBytes, bytes_per_record: wireBytes / records,
      append_seconds: w.appendSeconds,
    });
  } finally {
    if (sock) sock.destroy();
    if (reader) await reader.close().catch(() => {});
    if (child) await stopChild(child);
    rmDir(dir);
  }
}

if (process.argv[2] === '--writer') {
  writer(process.argv[3], Number(process.argv[4])).catch((e) => { console.error('hypercore writer:', e.message || e); process.exit(1); });
} else {
  main().then(() => process.exit(0), (e) => { console.error('hypercore_bench:', e.message || e); process.exit(1); });
}
