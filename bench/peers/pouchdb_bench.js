'use strict';
// PouchDB 9 (leveldb) pushing N records to an express-pouchdb hub (leveldb, in a
// process of its own) over HTTP on 127.0.0.1. Timed: one replicate.to(remote)
// from start to 'complete', with PouchDB's default options (batch_size 100;
// --batch-size N changes it). Wire bytes: every byte the hub's TCP sockets read or
// wrote during that push (HTTP headers and bodies, both directions; not TCP/IP
// headers).
const fs = require('fs');
const path = require('path');
const PouchDB = require('pouchdb-node');
const { parseArgs, makeRecord, tempDir, rmDir, startChild, ask, stopChild, serveParent, report } = require('./common');

// The hub: express-pouchdb over leveldb databases in dir; tells the parent its
// port, then answers each message with the bytes its sockets have carried.
async function hub(dir) {
  const express = require('express');
  const expressPouchDB = require('express-pouchdb');
  fs.mkdirSync(dir);
  const HubPouch = PouchDB.defaults({ prefix: dir + path.sep });
  const app = express();
  app.use('/', expressPouchDB(HubPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const server = app.listen(0, '127.0.0.1');
  const sockets = new Set();
  server.on('connection', (s) => sockets.add(s));
  server.on('listening', () => process.send({ port: server.address().port }));
  serveParent(() => ({ bytes: [...sockets].reduce((n, s) => n + s.bytesRead + s.bytesWritten, 0) }));
}

async function main() {
  const args = parseArgs(process.argv, { '--batch-size': 100 }); // PouchDB's own default
  const { records } = args;
  const dir = tempDir('pouchdb');
  let child;
  try {
    child = startChild(__filename, ['--hub', path.join(dir, 'hub')]);
    const { port } = await ask(child);

    // The client: a leveldb PouchDB holding N records (written before the clock starts).
    const local = new PouchDB(path.join(dir, 'client'));
    for (let i = 0; i < records; i += 1000) {
      const docs = [];
      for (let j = i; j < Math.min(i + 1000, records); j++) {
        docs.push({ _id: 'r' + String(j).padStart(8, '0'), p: makeRecord() });
      }
      await local.bulkDocs(docs);
    }
    const remote = new PouchDB(`http://127.0.0.1:${port}/hub`);
    await remote.info(); // creates the hub database: not part of the push

    const bytes0 = (await ask(child, 'bytes')).bytes;
    const t0 = process.hrtime.bigint();
    const result = await local.replicate.to(remote, { batch_size: args['--batch-size'] });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const wireBytes = (await ask(child, 'bytes')).bytes - bytes0;

    const info = await remote.info();
    if (result.docs_written !== records || info.doc_count !== records) {
      throw new Error(`hub holds ${info.doc_count} docs, ${result.docs_written} written; expected ${records}`);
    }
    console.log(`pouchdb: hub holds ${info.doc_count} docs (checked after the push)`);
    await remote.close();
    await local.close();
    report('pouchdb', {
      records, batch_size: args['--batch-size'], seconds, per_s: records / seconds,
      wire_bytes: wireBytes, bytes_per_record: wireBytes / records,
    });
  } finally {
    if (child) await stopChild(child);
    rmDir(dir);
  }
}

if (process.argv[2] === '--hub') {
  hub(process.argv[3]).catch((e) => { console.error('pouchdb hub:', e.message || e); process.exit(1); });
} else {
  main().then(() => process.exit(0), (e) => { console.error('pouchdb_bench:', e.message || e); process.exit(1); });
}
