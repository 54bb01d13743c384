#!/usr/bin/env python3
"""nightlink -- many emulated village links in one process (the benchmark's night).

    nightlink.py --links N --target HOST:PORT --ports-file F --stats FILE
                 [--rate MIN:MAX] [--rtt MIN:MAX] [--cut-every MIN:MAX] [--scale K]
                 [--seed S] [--log FILE]

Link i (0 .. N-1) listens on its own port of 127.0.0.1 and pairs every accepted connection
with a new connection to the target (the hub); bytes are forwarded both ways and counted,
like bench/benchproxy.py, but each link has its own character, drawn from --seed:

  rate      bits/s, log-uniform in --rate (default 64000:4000000); each direction is its own
            line, shared by the link's connections: bytes cross it one after another at the
            rate, in pieces of 20 ms (see Line: the line keeps its own clock, so a late event
            loop does not cost it capacity while data waits);
  rtt       milliseconds, uniform in --rtt (default 50:600); every piece arrives half of it
            after it has crossed the line, in each direction (a pipe: what is in flight is
            rate x delay, not one piece at a time);
  cuts      its own clock: the link goes down every --cut-every MIN:MAX seconds (default
            20:40, drawn uniformly per interval); every open connection of that link is
            reset and whatever the link held for it is lost. 0:0 = no cuts.

--scale K time-scales the night like the bad link: rates x K, RTTs / K, cut intervals / K
(the same bytes cross between two cuts, K times faster). The drawn values are the literal
ones; the ports file gives both.

--ports-file F is written (atomically) once every link listens, one line per link:
    INDEX PORT RATE_BPS RTT_MS LITERAL_RATE_BPS LITERAL_RTT_MS
(RATE_BPS and RTT_MS are what the link really applies, i.e. scaled).

--stats FILE is written (atomically) at start and on SIGTERM/SIGINT:
    {"links": n, "scale": K, "elapsed_s": s, "cpu_s": the emulator's own CPU seconds,
     "loop_lag_ms_max", "loop_lag_ms_p99": how late its event loop woke (checked every 50 ms),
     "cuts": n, "connections": n,
     "c2s": bytes, "s2c": bytes,
     "per_link": [{"link", "port", "rate_bps", "rtt_ms", "c2s", "s2c", "c2s_delivered",
                   "s2c_delivered", "connections", "cuts", "t_first_open", "t_last_close",
                   "conns": [{"id", "c2s", "s2c", "cut", "t_open", "t_close",
                              "c2s_marks", "s2c_marks"}...]}...]}
c2s/s2c count the bytes that crossed the link's line (the time the line was busy, what a
cut lost in flight included); *_delivered what reached the other end. Times are seconds
since the start. Cuts count only the ticks that hit at least one open connection. The marks
are [time, bytes delivered so far] at each of the first 6 deliveries of a connection in that
direction: when the ZMTP greeting, the CURVE handshake's steps and the first messages reached
the other end (how long a busy hub took to answer).
"""

import argparse
import asyncio
import collections
import contextlib
import json
import math
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchproxy import CHUNK, QUEUE_CHUNKS, listener, parse_range, small_rcvbuf, write_eof  # noqa: E402
from benchproxy import Conn as ProxyConn, Proxy  # noqa: E402
from faultproxy import parse_hostport  # noqa: E402  (benchproxy put its path first)


MARKS = 6          # deliveries timed per connection and direction: the handshake's steps


def parse_span(text):
    """MIN:MAX that may be 0:0 (no cuts)."""
    if text in ("0", "0:0"):
        return None
    return parse_range(text)


class Line:
    """One direction of a link: a byte takes 1/rate seconds of the line, one after another.

    The line keeps its own clock (when it is next free) instead of a token bucket, so that an
    event loop that wakes up late does not cost the link capacity while data waits: a piece
    starts when the line is free or when its bytes were read, whichever is later, and ends
    n / rate later; the sender sleeps only while the line is busy in the future."""

    def __init__(self, rate_bytes):
        self.rate = rate_bytes
        self.piece = max(512, int(rate_bytes / 50))     # 20 ms of the line
        self.free_at = 0.0

    async def send(self, n, t_ready):
        """Take the line for n bytes that were ready at t_ready; returns when they are sent."""
        start = max(self.free_at, t_ready)
        self.free_at = start + n / self.rate
        wait = start - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return self.free_at


class Conn(ProxyConn):
    """A connection of one link: benchproxy's (its opening, abort and close), with the link's
    line and delay in each direction and the times of its first deliveries."""

    def __init__(self, link, cid, creader, cwriter):
        super().__init__(link, cid, creader, cwriter)
        self.link = link
        self.marks = {"c2s": [], "s2c": []}     # [time, bytes delivered so far] of the first pieces

    async def pump(self, name, reader, writer):
        """reader -> queue -> the link's line (rate) -> one-way delay -> writer."""
        line = self.link.line[name]
        delay = self.link.rtt_s / 2.0
        queue = asyncio.Queue(maxsize=QUEUE_CHUNKS)
        pipe = collections.deque()          # (deliver at, bytes or None = EOF): in flight
        ready = asyncio.Event()
        held = [0]                          # bytes in the pipe
        # the pipe holds what is in flight (rate x delay) and a little more; when the far end
        # reads slower than the line, the line waits rather than the pipe growing
        room = max(4 * CHUNK, int(2 * line.rate * delay))

        async def shaper():
            while True:
                t_read, data = await queue.get()
                pos = 0
                while data is not None and pos < len(data):
                    n = min(len(data) - pos, line.piece)
                    while held[0] > room:
                        await asyncio.sleep(0.005)
                        t_read = time.monotonic()   # the line idled for the far end, not for us
                    done_at = await line.send(n, t_read)
                    if self.cut:
                        return
                    self.count[name] += n
                    self.link.carried[name] += n
                    pipe.append((done_at + delay, data[pos:pos + n]))
                    held[0] += n
                    ready.set()
                    pos += n
                if data is None:
                    pipe.append((time.monotonic() + delay, None))
                    ready.set()
                    return

        async def deliverer():
            while True:
                while not pipe:
                    ready.clear()
                    await ready.wait()
                at, data = pipe.popleft()
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self.cut:
                    return
                if data is None:
                    write_eof(writer)
                    return
                held[0] -= len(data)
                writer.write(data)
                self.link.delivered[name] += len(data)
                marks = self.marks[name]
                if len(marks) < MARKS:
                    marks.append([round(self.link.night.clock(), 3), len(data) + (marks[-1][1] if marks else 0)])
                await writer.drain()

        helpers = [asyncio.ensure_future(shaper()), asyncio.ensure_future(deliverer())]
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    await queue.put((time.monotonic(), None))
                    break
                await queue.put((time.monotonic(), data))
            await asyncio.gather(*helpers)
        except (asyncio.CancelledError, ConnectionError, OSError):
            if not self.cut:
                self.abort()
            raise
        finally:
            for h in helpers:
                if not h.done():
                    h.cancel()

    def stats(self):
        return {"id": self.cid, "c2s": self.count["c2s"], "s2c": self.count["s2c"], "cut": self.cut,
                "c2s_marks": self.marks["c2s"], "s2c_marks": self.marks["s2c"],
                "t_open": round(self.t_open, 3),
                "t_close": None if self.t_close is None else round(self.t_close, 3)}


class Link(Proxy):
    """One village's line: its rate, its delay, its cut clock, its connections. A benchproxy
    Proxy (accepting, cutting and closing are its) with nightlink's connections; the night owns
    the listening socket, the log and the stats file."""

    conn_class = Conn

    def __init__(self, night, i, rate_bps, rtt_ms, cut_every, rng):
        k = night.args.scale
        self.night = night
        self.args, self.t0 = night.args, night.t0
        self.i = i
        self.literal_rate_bps, self.literal_rtt_ms = rate_bps, rtt_ms
        self.rate_bps = rate_bps * k
        self.rtt_ms = rtt_ms / k
        self.rtt_s = self.rtt_ms / 1000.0
        self.cut_every = None if cut_every is None else (cut_every[0] / k, cut_every[1] / k)
        self.rng = rng
        self.line = {"c2s": Line(self.rate_bps / 8.0), "s2c": Line(self.rate_bps / 8.0)}
        self.carried = {"c2s": 0, "s2c": 0}
        self.delivered = {"c2s": 0, "s2c": 0}
        self.live = set()
        self.done = []
        self.next_id = 0
        self.cuts = 0
        self.port = None

    def log(self, text):
        self.night.log("link %d %s" % (self.i, text))

    def write_stats(self):
        pass                                # the night writes every link's at its end

    def stats(self):
        conns = [c.stats() for c in self.done + sorted(self.live, key=lambda c: c.cid)]
        closes = [c["t_close"] for c in conns if c["t_close"] is not None]
        return {"link": self.i, "port": self.port, "rate_bps": self.rate_bps, "rtt_ms": round(self.rtt_ms, 3),
                "literal_rate_bps": self.literal_rate_bps, "literal_rtt_ms": self.literal_rtt_ms,
                "c2s": self.carried["c2s"], "s2c": self.carried["s2c"],
                "c2s_delivered": self.delivered["c2s"], "s2c_delivered": self.delivered["s2c"],
                "connections": self.next_id, "cuts": self.cuts,
                "t_first_open": conns[0]["t_open"] if conns else None,
                "t_last_close": max(closes) if closes else None, "conns": conns}


class Night:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        self.lag = []                       # the event loop's lateness, seconds, every 50 ms
        rng = random.Random(args.seed)
        lo, hi = args.rate
        self.links = []
        for i in range(args.links):
            rate = int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))
            rtt = round(rng.uniform(*args.rtt), 1)
            self.links.append(Link(self, i, rate, rtt, args.cut_every, random.Random(rng.getrandbits(64))))

    def clock(self):
        return time.monotonic() - self.t0

    def log(self, text):
        if self.logf:
            self.logf.write("%9.3f %s\n" % (self.clock(), text))

    async def lag_watch(self):
        """How late the loop wakes up: a late loop delivers late (the lines keep their own
        clocks, the delays do not), so the stats say how late it was."""
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            self.lag.append(max(0.0, time.monotonic() - t - 0.05))

    def write_stats(self):
        per = [link.stats() for link in self.links]
        lag = sorted(self.lag) or [0.0]
        cpu = os.times()
        s = {"links": len(per), "scale": self.args.scale, "elapsed_s": round(self.clock(), 3),
             "cpu_s": round(cpu.user + cpu.system, 3), "loop_lag_ms_max": round(1000 * lag[-1], 1),
             "loop_lag_ms_p99": round(1000 * lag[int(0.99 * (len(lag) - 1))], 1),
             "cuts": sum(p["cuts"] for p in per), "connections": sum(p["connections"] for p in per),
             "c2s": sum(p["c2s"] for p in per), "s2c": sum(p["s2c"] for p in per), "per_link": per}
        tmp = self.args.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(s, f)
        os.rename(tmp, self.args.stats)

    async def main(self):
        servers = []
        for link in self.links:
            lsock = listener("127.0.0.1", 0)
            servers.append(await asyncio.start_server(link.on_client, sock=lsock, backlog=16))
            link.port = lsock.getsockname()[1]
        self.write_stats()
        tmp = self.args.ports_file + ".tmp"
        with open(tmp, "w") as f:
            for link in self.links:
                f.write("%d %d %d %.3f %d %.1f\n" % (link.i, link.port, link.rate_bps, link.rtt_ms,
                                                     link.literal_rate_bps, link.literal_rtt_ms))
        os.rename(tmp, self.args.ports_file)
        self.log("%d links -> %s:%d, rate %s bit/s, rtt %s ms, cut every %s s, scale x%g, seed %s"
                 % (len(self.links), self.args.target[0], self.args.target[1], self.args.rate, self.args.rtt,
                    self.args.cut_every, self.args.scale, self.args.seed))
        cutters = [asyncio.ensure_future(link.cutter()) for link in self.links if link.cut_every]
        cutters.append(asyncio.ensure_future(self.lag_watch()))
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(1))
        await stop
        for t in cutters:
            t.cancel()
        for s in servers:
            s.close()
        for link in self.links:
            for c in list(link.live):
                c.abort()
        await asyncio.sleep(0)
        self.write_stats()
        self.log("stopped: %d connections, %d cuts" % (sum(k.next_id for k in self.links),
                                                       sum(k.cuts for k in self.links)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--links", type=int, required=True)
    ap.add_argument("--target", type=parse_hostport, required=True)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--rate", type=parse_range, default=(64000.0, 4000000.0), metavar="MIN:MAX",
                    help="bits per second, drawn log-uniformly per link")
    ap.add_argument("--rtt", type=parse_range, default=(50.0, 600.0), metavar="MIN:MAX",
                    help="round-trip milliseconds, drawn uniformly per link")
    ap.add_argument("--cut-every", type=parse_span, default=(20.0, 40.0), metavar="MIN:MAX")
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.links < 1 or args.scale <= 0:
        ap.error("--links must be >= 1 and --scale > 0")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Night(args).main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
