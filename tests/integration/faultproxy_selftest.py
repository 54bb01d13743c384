#!/usr/bin/env python3
"""faultproxy_selftest -- checks tests/integration/faultproxy.py against a local echo server.

    faultproxy_selftest.py [PATH/TO/faultproxy.py]   (default: beside this file, or $SHOUHE_PROXY)

Checks: plain pass-through (1 MiB echoed intact); throttling (16 KiB through 64 kbit/s takes
about 2 s, +-30 %); latency (--delay 100 gives a round trip of about 200 ms); cuts (each
connection is cut after MIN..MAX bytes, both directions counted, and the next connection is
accepted); SIGTERM (exit 0). Prints one line per check and "N passed, N failed".
"""

import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = (sys.argv[1] if len(sys.argv) > 1 else
         os.environ.get("SHOUHE_PROXY") or os.path.join(HERE, "faultproxy.py"))


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                self.request.sendall(data)
        except OSError:
            pass


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ProxyProc:
    def __init__(self, target_port, *opts):
        self.dir = tempfile.mkdtemp(prefix="faultproxy-selftest.")
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "log")
        self.p = subprocess.Popen([sys.executable, PROXY, "--listen", "127.0.0.1:0",
                                   "--target", "127.0.0.1:%d" % target_port,
                                   "--port-file", self.port_file, "--log", self.log, *opts])
        t_end = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.p.poll() is not None or time.monotonic() > t_end:
                raise RuntimeError("faultproxy did not write its port file (exit %s)" % self.p.poll())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        try:
            return self._stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                return self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                return "killed (did not exit within 5 s of SIGTERM)"
        return self.p.returncode


def echo_through(port, payload, timeout=20.0):
    """Send payload through the proxy (in a thread) and read the echo until len(payload)
    bytes, EOF or an error. Returns (bytes received, seconds, how it ended)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = bytearray()
    t0 = time.monotonic()

    def send():
        try:
            s.sendall(payload)
        except OSError:
            pass

    th = threading.Thread(target=send, daemon=True)
    th.start()
    end = "complete"
    try:
        while len(got) < len(payload):
            data = s.recv(65536)
            if not data:
                end = "eof"
                break
            got += data
    except socket.timeout:
        end = "timeout"
    except OSError as e:
        end = "error: %s" % e.__class__.__name__
    dt = time.monotonic() - t0
    s.close()
    th.join(2)
    return bytes(got), dt, end


results = []


def check(name, ok, detail):
    results.append(ok)
    print("%s %s: %s" % ("ok  " if ok else "FAIL", name, detail), flush=True)


def echo_server():
    """A threaded echo server on a free port of 127.0.0.1; returns (server, port)."""
    srv = EchoServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def summary():
    """Print the totals of check(); returns the exit status."""
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main():
    srv, eport = echo_server()

    # 1. pass-through
    p = ProxyProc(eport)
    payload = os.urandom(1 << 20)
    got, dt, end = echo_through(p.port, payload)
    check("pass-through", got == payload and dt < 10,
          "1 MiB echoed %s in %.2f s (%s)" % ("intact" if got == payload else "DAMAGED", dt, end))
    rc = p.stop()
    check("SIGTERM", rc == 0, "exit %s" % rc)

    # 2. throttling: 16 KiB at 64 kbit/s each way = 2.048 s (the echo runs concurrently)
    p = ProxyProc(eport, "--rate", "64000")
    payload = os.urandom(16384)
    got, dt, end = echo_through(p.port, payload)
    expect = 16384 * 8 / 64000.0
    check("throttle 64 kbit/s", got == payload and 0.7 * expect <= dt <= 1.3 * expect,
          "16 KiB echoed in %.2f s, expected %.2f s +-30 %% (%s)" % (dt, expect, end))
    p.stop()

    # 3. latency: 100 ms each way
    p = ProxyProc(eport, "--delay", "100")
    got, dt, end = echo_through(p.port, b"x")
    check("delay 100 ms", got == b"x" and 0.19 <= dt <= 0.6, "1-byte round trip in %.3f s" % dt)
    p.stop()

    # 4. cuts: each connection dies after 2000..4000 bytes (both directions), then the next
    # connection is accepted and gets its own limit.
    p = ProxyProc(eport, "--cut-every", "2000:4000", "--seed", "7")
    payload = os.urandom(20000)
    ends = []
    for i in range(3):
        got, dt, end = echo_through(p.port, payload, timeout=10)
        ends.append((len(got), end))
    time.sleep(0.2)
    log = p.log_text()
    cuts = re.findall(r"conn (\d+): cut after c2s (\d+), s2c (\d+) bytes", log)
    totals = [int(a) + int(b) for _, a, b in cuts]
    ok = (len(cuts) == 3 and all(2000 <= t <= 4000 for t in totals)
          and all(n < 4000 and e != "complete" for n, e in ends))
    check("cut every 2000..4000 bytes", ok,
          "received/ending per connection %s; bytes forwarded per cut connection %s" % (ends, totals))
    p.stop()

    # 5. throttled + cut: the limit still holds when pieces are paced
    p = ProxyProc(eport, "--rate", "256000", "--delay", "5", "--cut-every", "3000:3000")
    got, dt, end = echo_through(p.port, os.urandom(10000), timeout=10)
    time.sleep(0.2)
    cuts = re.findall(r"cut after c2s (\d+), s2c (\d+) bytes", p.log_text())
    check("throttled cut at exactly 3000 bytes",
          len(cuts) == 1 and int(cuts[0][0]) + int(cuts[0][1]) == 3000 and end != "complete",
          "forwarded %s, received %d (%s)" % (cuts, len(got), end))
    p.stop()

    srv.shutdown()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
