#!/usr/bin/env python3
"""faultproxy -- a fault-injecting TCP proxy for the integration tests (stdlib asyncio only).

    faultproxy.py --listen 127.0.0.1:0 --target HOST:PORT --port-file F
                  [--rate BITS_PER_S] [--delay MS] [--cut-every MIN:MAX] [--seed S] [--log FILE]

Every accepted connection is paired with a new connection to the target and bytes are forwarded
both ways. Without options it is a plain pass-through. With:

  --rate R        each direction of each connection is throttled to R bits/s (token bucket,
                  burst of 1/20 s of traffic, at least 512 bytes);
  --delay MS      each direction adds MS milliseconds of latency (bytes leave MS after they
                  arrived, throughput is not reduced by it);
  --cut-every A:B each connection is cut -- both sockets aborted -- once A..B bytes (drawn at
                  random per connection, counting both directions) have been forwarded; the
                  bytes up to the limit are delivered, the rest are lost. New connections are
                  accepted as usual afterwards and get a fresh limit;
  --seed S        seeds the random limits (reproducible runs);
  --log FILE      one line per event: open, cut, close with byte counts (default: stderr).

The chosen port is written to --port-file (atomically) once listening. SIGTERM or SIGINT closes
everything and exits 0. Reading is flow-controlled: at most a few chunks wait in the proxy, so a
throttled link pushes back on the sender as a slow network would.
"""

import argparse
import asyncio
import os
import random
import signal
import sys
import time

CHUNK = 16384          # most bytes read at once
QUEUE_CHUNKS = 4       # chunks buffered per direction before the reader waits


def parse_hostport(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % text)
    return host.strip("[]"), int(port)


def parse_range(text):
    a, sep, b = text.partition(":")
    try:
        lo, hi = int(a), int(b if sep else a)
    except ValueError:
        raise argparse.ArgumentTypeError("expected MIN:MAX bytes, got %r" % text)
    if lo < 1 or hi < lo:
        raise argparse.ArgumentTypeError("expected 1 <= MIN <= MAX, got %r" % text)
    return lo, hi


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else sys.stderr
        self.t0 = time.monotonic()

    def __call__(self, fmt, *args):
        self.f.write("%9.3f %s\n" % (time.monotonic() - self.t0, fmt % args))


class Bucket:
    """Token bucket: rate bytes/s, capacity burst bytes."""

    def __init__(self, rate_bytes):
        self.rate = rate_bytes
        self.burst = max(512.0, rate_bytes / 20.0)
        self.tokens = self.burst
        self.t = time.monotonic()

    def piece(self):
        return max(1, int(self.burst))

    async def take(self, n):
        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
            self.t = now
            if self.tokens >= n:
                self.tokens -= n
                return
            await asyncio.sleep((n - self.tokens) / self.rate)


class Conn:
    """One proxied connection: client <-> target."""

    def __init__(self, proxy, cid, creader, cwriter):
        self.p = proxy
        self.cid = cid
        self.creader, self.cwriter = creader, cwriter
        self.treader = self.twriter = None
        self.limit = proxy.rng.randint(*proxy.args.cut_every) if proxy.args.cut_every else None
        self.count = {"c2s": 0, "s2c": 0}
        self.cut = False
        self.closed = False
        self.tasks = []

    def total(self):
        return self.count["c2s"] + self.count["s2c"]

    async def run(self):
        log = self.p.log
        try:
            self.treader, self.twriter = await asyncio.open_connection(*self.p.args.target)
        except OSError as e:
            log("conn %d: cannot reach target %s:%d: %s", self.cid, *self.p.args.target, e)
            self.cwriter.transport.abort()
            return
        log("conn %d: open%s", self.cid, " (cut after %d bytes)" % self.limit if self.limit else "")
        self.tasks = [asyncio.ensure_future(self.direction("c2s", self.creader, self.twriter)),
                      asyncio.ensure_future(self.direction("s2c", self.treader, self.cwriter))]
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.close(abort=self.cut)
        log("conn %d: %s after c2s %d, s2c %d bytes", self.cid, "cut" if self.cut else "closed",
            self.count["c2s"], self.count["s2c"])

    def close(self, abort):
        if self.closed:
            return
        self.closed = True
        for w in (self.cwriter, self.twriter):
            if w is None:
                continue
            try:
                if abort:
                    w.transport.abort()
                else:
                    w.close()
            except Exception:
                pass

    def do_cut(self):
        if self.cut:
            return
        self.cut = True
        self.p.cuts += 1
        self.close(abort=True)
        for t in self.tasks:
            t.cancel()

    async def direction(self, name, reader, writer):
        """Read from reader into a bounded queue; a sender task delays, throttles, writes."""
        args = self.p.args
        queue = asyncio.Queue(maxsize=QUEUE_CHUNKS)
        bucket = Bucket(args.rate / 8.0) if args.rate else None
        delay = args.delay / 1000.0 if args.delay else 0.0

        async def sender():
            while True:
                item = await queue.get()
                if item is None:
                    # EOF from this side: half-close towards the other
                    try:
                        if writer.can_write_eof():
                            writer.write_eof()
                    except Exception:
                        pass
                    return
                t_due, data = item
                wait = t_due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                pos = 0
                while pos < len(data):
                    n = len(data) - pos
                    if bucket:
                        n = min(n, bucket.piece())
                        await bucket.take(n)
                    if self.cut:
                        return
                    if self.limit is not None and self.total() + n >= self.limit:
                        n = max(0, self.limit - self.total())
                        if n:
                            writer.write(data[pos:pos + n])
                            self.count[name] += n
                            try:  # deliver the bytes before the limit, then cut
                                await asyncio.wait_for(writer.drain(), 1.0)
                            except Exception:
                                pass
                        self.p.log("conn %d: CUT after %d bytes (limit %d) in %s", self.cid,
                                   self.total(), self.limit, name)
                        self.do_cut()
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
                await queue.put((time.monotonic() + delay, data))
            await send_task
        except (asyncio.CancelledError, ConnectionError, OSError):
            send_task.cancel()
            # one side failed: the connection goes down as a whole
            if not self.cut:
                self.close(abort=True)
            raise
        finally:
            if not send_task.done():
                send_task.cancel()


class Proxy:
    def __init__(self, args):
        self.args = args
        self.log = Log(args.log)
        self.rng = random.Random(args.seed)
        self.conns = set()
        self.next_id = 0
        self.cuts = 0
        self.server = None

    async def on_client(self, reader, writer):
        self.next_id += 1
        c = Conn(self, self.next_id, reader, writer)
        self.conns.add(c)
        try:
            await c.run()
        finally:
            self.conns.discard(c)

    async def main(self):
        host, port = self.args.listen
        self.server = await asyncio.start_server(self.on_client, host, port)
        bound = self.server.sockets[0].getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % bound)
            os.rename(tmp, self.args.port_file)
        self.log("listening on %s:%d -> %s:%d rate=%s delay=%s cut-every=%s seed=%s", host, bound,
                 self.args.target[0], self.args.target[1], self.args.rate, self.args.delay,
                 self.args.cut_every, self.args.seed)
        stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(1))
        await stop
        self.server.close()
        live = list(self.conns)
        for c in live:
            self.log("conn %d: closed at stop after c2s %d, s2c %d bytes", c.cid,
                     c.count["c2s"], c.count["s2c"])
            c.close(abort=True)
            for t in c.tasks:
                t.cancel()
        # let the connection tasks finish before the loop goes away
        await asyncio.gather(*[t for c in live for t in c.tasks], return_exceptions=True)
        await asyncio.sleep(0)
        self.log("stopped: %d connections, %d cuts", self.next_id, self.cuts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", type=parse_hostport, default=("127.0.0.1", 0))
    ap.add_argument("--target", type=parse_hostport, required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--rate", type=int, default=0, help="bits per second per direction")
    ap.add_argument("--delay", type=float, default=0, help="one-way latency in ms")
    ap.add_argument("--cut-every", type=parse_range, default=None, metavar="MIN:MAX")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.rate < 0 or args.delay < 0:
        ap.error("--rate and --delay must be >= 0")
    try:
        asyncio.run(Proxy(args).main())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
