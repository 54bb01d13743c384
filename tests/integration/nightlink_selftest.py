#!/usr/bin/env python3
"""nightlink_selftest -- checks bench/nightlink.py and the night's figures in bench/report.py.

    nightlink_selftest.py [PATH/TO/bench]   (default: ../../bench beside this file)

Checks, against a local echo server: the draw (N links, rates log-uniform within the range
times --scale, RTTs within the range over --scale, the same for the same seed); a line's rate
and delay (1 MB echoed over 8 Mbit/s with 200 ms RTT takes about 1.2 s; both directions counted
exactly; a small message's round trip is about the RTT); a link's cut clock (a held connection
is reset, the cut counted, the next connection accepted); SIGTERM (exit 0, stats written).
Then report.py: night_ratio = night_s / night_link_s and night_hub_cores from a RESULTS file,
hub_private_mib from hub_rss_anon_mib with its goal, and no night keys or rows from a file
without them. Prints one line per check and "N passed, N failed".
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "bench")
sys.path.insert(0, HERE)
from faultproxy_selftest import check, echo_server, summary  # noqa: E402


class Night:
    """nightlink.py running in its own temporary directory."""

    def __init__(self, target_port, *opts):
        self.dir = tempfile.mkdtemp(prefix="nightlink-selftest.")
        self.ports = os.path.join(self.dir, "ports")
        self.stats = os.path.join(self.dir, "stats.json")
        self.p = subprocess.Popen([sys.executable, os.path.join(BENCH, "nightlink.py"),
                                   "--target", "127.0.0.1:%d" % target_port, "--ports-file", self.ports,
                                   "--stats", self.stats, *opts])
        t_end = time.monotonic() + 10
        while not os.path.exists(self.ports):
            if self.p.poll() is not None or time.monotonic() > t_end:
                raise RuntimeError("nightlink did not write its ports file (exit %s)" % self.p.poll())
            time.sleep(0.02)
        with open(self.ports) as f:
            self.links = [line.split() for line in f]

    def port(self, i):
        return int(self.links[i][1])

    def stop(self):
        """SIGTERM; returns (exit status, stats)."""
        try:
            self.p.send_signal(signal.SIGTERM)
            rc = self.p.wait(5)
            with open(self.stats) as f:
                return rc, json.load(f)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            self.p.kill()
            self.p.wait()
            return None, None
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def echo(port, data, timeout=10):
    """Send data, read it back; returns (seconds, bytes back)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    t0 = time.monotonic()
    s.sendall(data)
    got = bytearray()
    try:
        while len(got) < len(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    return time.monotonic() - t0, bytes(got)


def check_links(eport):
    opts = ("--links", "40", "--rate", "64000:4000000", "--rtt", "50:600", "--scale", "10", "--seed", "5")
    a, b = Night(eport, *opts), Night(eport, *opts)
    la, lb = a.links, b.links
    a.stop()
    b.stop()
    rates = [float(x[2]) for x in la]
    rtts = [float(x[3]) for x in la]
    check("the draw: 40 links, rates x10 and RTTs /10 within their ranges",
          len(la) == 40 and all(640000 <= r <= 40000000 for r in rates) and all(5 <= t <= 60 for t in rtts)
          and all(float(x[2]) == 10 * float(x[4]) for x in la), "links %s" % la[:3])
    check("the draw: log-uniform (both ends of the range drawn)",
          min(rates) < 2000000 and max(rates) > 10000000, "rates %s..%s" % (min(rates), max(rates)))
    check("the draw: the same seed, the same links (ports aside)",
          [x[2:] for x in la] == [x[2:] for x in lb], "%s vs %s" % (la[:2], lb[:2]))


def check_line(eport):
    n = Night(eport, "--links", "2", "--rate", "8000000:8000000", "--rtt", "200:200", "--cut-every", "0",
              "--scale", "1")
    dt_small, got_small = echo(n.port(1), b"x" * 100)
    data = os.urandom(1000000)
    dt, got = echo(n.port(0), data)
    time.sleep(0.5)                 # the close crosses the link (100 ms each way)
    rc, st = n.stop()
    check("a small message's round trip is the RTT (200 ms)", got_small == b"x" * 100 and 0.18 <= dt_small <= 0.35,
          "%.3f s" % dt_small)
    check("1 MB echoed through 8 Mbit/s and 200 ms: ~1.2 s, intact", got == data and 1.0 <= dt <= 1.7,
          "%.3f s, %d bytes back" % (dt, len(got)))
    link = st["per_link"][0] if st else {}
    check("both directions counted exactly, the link's connection closed",
          link.get("c2s") == 1000000 and link.get("s2c") == 1000000 and link.get("c2s_delivered") == 1000000
          and link.get("connections") == 1 and link.get("conns", [{}])[0].get("t_close") is not None,
          "stats %s" % {k: link.get(k) for k in ("c2s", "s2c", "c2s_delivered", "connections")})
    marks = link.get("conns", [{}])[0].get("s2c_marks", [])
    check("the first deliveries are timed", len(marks) >= 1 and marks[0][1] > 0, "marks %s" % marks)
    check("SIGTERM: exit 0, stats written", rc == 0 and st is not None and st["links"] == 2, "exit %s" % rc)


def check_cuts(eport):
    n = Night(eport, "--links", "1", "--rate", "8000000:8000000", "--rtt", "10:10", "--cut-every", "0.4:0.4",
              "--scale", "1")
    s = socket.create_connection(("127.0.0.1", n.port(0)))
    s.settimeout(3)
    s.sendall(b"hello")
    ended = "open"
    try:
        s.recv(100)                 # the echo
        t0 = time.monotonic()
        ended = "eof" if s.recv(100) == b"" else "data"
    except ConnectionResetError:
        ended = "reset"
    except OSError as e:
        ended = "error %s" % e
    dt = time.monotonic() - t0
    s.close()
    dt2, got = echo(n.port(0), b"again")
    time.sleep(0.05)
    rc, st = n.stop()
    link = st["per_link"][0] if st else {}
    check("a held connection is cut by the link's clock", ended in ("reset", "eof") and dt < 1.0,
          "ended %s after %.2f s" % (ended, dt))
    check("the cut counted, the next connection accepted",
          got == b"again" and link.get("cuts", 0) >= 1 and link.get("conns", [{}])[0].get("cut") is True,
          "got %r, stats %s" % (got, {k: link.get(k) for k in ("cuts", "connections")}))


def check_report():
    d = tempfile.mkdtemp(prefix="nightlink-selftest.")
    try:
        base = "machine_cores\t2\nhub_rss_anon_mib\t86.2\nhub_rss_mib\t300\nhub_store_mib\t600\n" \
               "district_changes\t4800\ndistrict_s\t1.2\ndistrict_nodes\t24\ndistrict_per_node\t200\n"
        night = "night_s\t12.0\nnight_link_s\t10.0\nnight_hub_cpu_s\t3.0\nnight_nodes\t219\n" \
                "night_year_nodes\t55\nnight_mode\tx10\nnight_slowest_rate_bps\t700840.0\n"
        out = {}
        for name, text in (("old", base), ("night", base + night)):
            with open(os.path.join(d, name + ".tsv"), "w") as f:
                f.write(text)
            p = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), os.path.join(d, name + ".tsv"),
                                "--json", os.path.join(d, name + ".json")], capture_output=True, text=True)
            with open(os.path.join(d, name + ".json")) as f:
                out[name] = (p.returncode, p.stdout, json.load(f))
        rc, table, j = out["night"]
        check("report.py: night_ratio, night_hub_cores and their verdicts",
              rc == 0 and abs(j["night_ratio"] - 1.2) < 1e-9 and abs(j["night_hub_cores"] - 0.25) < 1e-9
              and "night_ratio" not in j["goals_missed"] and "night, x10: 219 villages, 55" in table,
              "exit %d, %s" % (rc, {k: j.get(k) for k in ("night_ratio", "night_hub_cores", "goals_missed")}))
        rc, table, j = out["old"]
        check("report.py: hub_private_mib (goal 128) beside the old keys; no night without its keys",
              rc == 0 and j.get("hub_private_mib") == 86.2 and j.get("hub_rss_anon_mib") == 86.2
              and "hub_rss_mib" in j["goals_missed"] and "hub_private_mib" not in j["goals_missed"]
              and not any(k.startswith("night") for k in j) and "night" not in table,
              "exit %d, %s" % (rc, sorted(j)))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    srv, eport = echo_server()
    check_links(eport)
    check_line(eport)
    check_cuts(eport)
    check_report()
    srv.shutdown()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
