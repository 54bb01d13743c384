#!/usr/bin/env python3
"""benchproxy -- a counting, throttling TCP proxy that cuts connections on a clock (benchmarks).

    benchproxy.py --target HOST:PORT --port-file F --stats FILE
                  [--listen HOST:PORT] [--rate BITS_PER_S] [--cut-every MIN:MAX] [--seed S]
                  [--log FILE]

Every accepted connection is paired with a new connection to the target; bytes are forwarded
both ways and counted. Without options it is a counting pass-through (what a sync puts on the
TCP connection, ZMTP greeting and CURVE handshake included). With:

  --rate R          each direction of each connection is throttled to R bits/s (token bucket,
                    burst 1/20 s of traffic, at least 512 bytes): a slow link;
  --cut-every A:B   the link goes down every A..B seconds (float; drawn uniformly, one clock
                    for the whole proxy, from the start): every open connection is aborted
                    (RST) at that moment and whatever the proxy held for it is lost. New
                    connections are accepted at once afterwards. Unlike
                    tests/integration/faultproxy.py (cut after a number of bytes), this is the
                    benchmark's "a cut every 30 +- 10 s".

Reading is flow-controlled (at most QUEUE_CHUNKS chunks wait per direction) and the client-side
socket's receive buffer is kept small, so a throttled link pushes back on the sender the way a
slow network would instead of letting the sender park megabytes in loopback buffers.

--stats FILE is written (atomically) on SIGTERM/SIGINT and after every connection closes:
    {"connections": n, "cuts": n (cuts that hit at least one open connection),
     "c2s": bytes forwarded client -> target, "s2c": bytes target -> client,
     "c2s_read": bytes read from clients (includes what a cut lost inside the proxy),
     "conns": [{"id", "c2s", "s2c", "cut": bool, "t_open", "t_close"}...]}
Byte counts are TCP payload: what the application puts on the connection.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import time

# the HOST:PORT parser and the token bucket are faultproxy's (tests/integration/)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from faultproxy import Bucket, parse_hostport  # noqa: E402

CHUNK = 16384
QUEUE_CHUNKS = 4
CLIENT_RCVBUF = 16384


def parse_range(text):
    a, sep, b = text.partition(":")
    try:
        lo, hi = float(a), float(b if sep else a)
    except ValueError:
        raise argparse.ArgumentTypeError("expected MIN:MAX seconds, got %r" % text)
    if lo <= 0 or hi < lo:
        raise argparse.ArgumentTypeError("expected 0 < MIN <= MAX, got %r" % text)
    return lo, hi


def listener(host, port):
    """A bound TCP socket whose small receive buffer the sockets it accepts inherit."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, CLIENT_RCVBUF)
    lsock.bind((host, port))
    return lsock


def small_rcvbuf(writer):
    """Keep an accepted client's receive buffer small (the sender feels the throttle)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, CLIENT_RCVBUF)
        except OSError:
            pass


def write_eof(writer):
    """Pass an end of stream on, if the transport can."""
    try:
        if writer.can_write_eof():
            writer.write_eof()
    except Exception:
        pass


class Conn:
    """One proxied connection; proxy gives args.target, log(text) and t0."""

    def __init__(self, proxy, cid, creader, cwriter):
        self.p = proxy
        self.cid = cid
        self.creader, self.cwriter = creader, cwriter
        self.twriter = None
        self.count = {"c2s": 0, "s2c": 0}
        self.read = {"c2s": 0, "s2c": 0}
        self.cut = False
        self.tasks = []
        self.t_open = time.monotonic() - proxy.t0
        self.t_close = None

    def abort(self):
        for w in (self.cwriter, self.twriter):
            if w is not None:
                try:
                    w.transport.abort()
                except Exception:
                    pass
        for t in self.tasks:
            t.cancel()

    async def run(self):
        try:
            treader, self.twriter = await asyncio.open_connection(*self.p.args.target)
        except OSError as e:
            self.p.log("conn %d: cannot reach the target: %s" % (self.cid, e))
            self.cwriter.transport.abort()
            return
        self.tasks = [asyncio.ensure_future(self.pump("c2s", self.creader, self.twriter)),
                      asyncio.ensure_future(self.pump("s2c", treader, self.cwriter))]
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for w in (self.cwriter, self.twriter):
            try:
                w.transport.abort() if self.cut else w.close()
            except Exception:
                pass

    async def pump(self, name, reader, writer):
        rate = self.p.args.rate
        bucket = Bucket(rate / 8.0) if rate else None
        queue = asyncio.Queue(maxsize=QUEUE_CHUNKS)

        async def sender():
            while True:
                data = await queue.get()
                if data is None:
                    write_eof(writer)
                    return
                pos = 0
                while pos < len(data):
                    n = len(data) - pos
                    if bucket:
                        n = min(n, max(1, int(bucket.burst)))
                        await bucket.take(n)
                    if self.cut:
                        return
                    writer.write(data[pos:pos + n])
                    self.count[name] += n
                    pos += n
                    await writer.drain()

        send_task = asyncio.ensure_future(sender())
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    await queue.put(None)
                    break
                self.read[name] += len(data)
                await queue.put(data)
            await send_task
        except (asyncio.CancelledError, ConnectionError, OSError):
            send_task.cancel()
            if not self.cut:
                self.abort()
            raise
        finally:
            if not send_task.done():
                send_task.cancel()

    def stats(self):
        return {"id": self.cid, "c2s": self.count["c2s"], "s2c": self.count["s2c"],
                "c2s_read": self.read["c2s"], "cut": self.cut, "t_open": round(self.t_open, 3),
                "t_close": None if self.t_close is None else round(self.t_close, 3)}


class Proxy:
    """The listener's side: its connections (conn_class), its cut clock (cut_every, rng), its
    log and stats. bench/nightlink.py's links are Proxies too."""

    conn_class = Conn

    def __init__(self, args):
        self.args = args
        self.cut_every = args.cut_every
        self.t0 = time.monotonic()
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        self.rng = random.Random(args.seed)
        self.live = set()
        self.done = []
        self.next_id = 0
        self.cuts = 0

    def log(self, text):
        if self.logf:
            self.logf.write("%9.3f %s\n" % (time.monotonic() - self.t0, text))

    def write_stats(self):
        conns = [c.stats() for c in self.done + sorted(self.live, key=lambda c: c.cid)]
        s = {"connections": self.next_id, "cuts": self.cuts,
             "c2s": sum(c["c2s"] for c in conns), "s2c": sum(c["s2c"] for c in conns),
             "c2s_read": sum(c["c2s_read"] for c in conns),
             "elapsed_s": round(time.monotonic() - self.t0, 3), "conns": conns}
        tmp = self.args.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(s, f)
        os.rename(tmp, self.args.stats)

    async def on_client(self, reader, writer):
        small_rcvbuf(writer)
        self.next_id += 1
        c = self.conn_class(self, self.next_id, reader, writer)
        self.live.add(c)
        self.log("conn %d: open" % c.cid)
        try:
            await c.run()
        except asyncio.CancelledError:
            pass                            # the proxy stops
        finally:
            c.t_close = time.monotonic() - self.t0
            self.live.discard(c)
            self.done.append(c)
            self.log("conn %d: %s after c2s %d, s2c %d bytes" % (c.cid, "cut" if c.cut else "closed",
                                                                  c.count["c2s"], c.count["s2c"]))
            self.write_stats()

    async def cutter(self):
        lo, hi = self.cut_every
        while True:
            await asyncio.sleep(self.rng.uniform(lo, hi))
            if not self.live:
                self.log("cut: no open connection")
                continue
            self.cuts += 1
            for c in list(self.live):
                c.cut = True
                self.log("conn %d: CUT (link down) after c2s %d, s2c %d bytes"
                         % (c.cid, c.count["c2s"], c.count["s2c"]))
                c.abort()

    async def main(self):
        host, port = self.args.listen
        lsock = listener(host, port)
        server = await asyncio.start_server(self.on_client, sock=lsock)
        bound = lsock.getsockname()[1]
        self.write_stats()
        tmp = self.args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % bound)
        os.rename(tmp, self.args.port_file)
        self.log("listening on %s:%d -> %s:%d rate=%s cut-every=%s seed=%s"
                 % (host, bound, self.args.target[0], self.args.target[1], self.args.rate,
                    self.args.cut_every, self.args.seed))
        cut_task = asyncio.ensure_future(self.cutter()) if self.args.cut_every else None
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(1))
        await stop
        if cut_task:
            cut_task.cancel()
        server.close()
        for c in list(self.live):
            c.abort()
        await asyncio.sleep(0)
        self.write_stats()
        self.log("stopped: %d connections, %d cuts" % (self.next_id, self.cuts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", type=parse_hostport, default=("127.0.0.1", 0))
    ap.add_argument("--target", type=parse_hostport, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--rate", type=int, default=0, help="bits per second per direction")
    ap.add_argument("--cut-every", type=parse_range, default=None, metavar="MIN:MAX")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.rate < 0:
        ap.error("--rate must be >= 0")
    try:
        asyncio.run(Proxy(args).main())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
