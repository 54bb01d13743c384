#!/usr/bin/env python3
"""report -- the benchmark's table and JSON from the figures scripts/bench.sh collected.

    report.py RESULTS.tsv [--json FILE] [--peers PEERS.json]

RESULTS.tsv holds one "key<TAB>value" line per raw figure (numbers, or text for machine
details), as scripts/bench.sh writes them; a key given twice keeps its last value. This
script derives the ratios (each figure beside its reference from the same run), prints the
table on stdout and, with --json, writes every figure as one JSON object (numbers as numbers).
--peers merges the JSON object bench/peers/run.sh wrote (pouchdb_per_s,
pouchdb_bytes_per_record, hypercore_per_s, hypercore_bytes_per_record) and adds rows
comparing them with shouhe's own figures.
"""

import json
import sys

GOALS = {
    # key: (operator, bound, text)
    "ingest_ratio": (">=", 0.80, ">= 0.80"),
    "district_ratio": (">=", 0.70, ">= 0.70"),
    "audit_ratio": (">=", 0.70, ">= 0.70"),
    "node_rss_mib": ("<=", 16.0, "<= 16 MiB"),
    "hub_rss_mib": ("<=", 256.0, "<= 256 MiB"),
    "hub_private_mib": ("<=", 128.0, "<= 128 MiB"),
    "wire_ratio": ("<=", 0.50, "<= 0.50"),     # issue 16: compressed (docs/protocol.md 13.22)
    "idle_session_bytes": ("<=", 2048, "<= 2 KB"),
    "delta200_ms": ("<=", 50.0, "<= 50 ms"),
    "badlink_payload_ratio": (">=", 1.5, ">= 1.5"),   # issue 16 (was badlink_goodput_ratio >= 0.85)
    "badlink_resent_per_cut_ratio": ("<=", 1.0, "<= 1 window"),
    "cli_step_ms": ("<=", 5.0, "<= 5 ms"),
    "night_ratio": ("<=", 1.2, "<= 1.2"),
    "night_hub_cores": ("<=", 0.5, "<= 0.5"),
    # bench/peers (bench/peers/README.md): shouhe's records/s over theirs, and shouhe's wire
    # overhead (bytes on the wire / bytes of payload) over theirs
    "pouchdb_speedup": (">=", 8.0, ">= 8x"),
    "hypercore_speedup": (">=", 5.0, ">= 5x"),
    "pouchdb_wire_vs": ("<=", 1.0, "< 1"),
    "hypercore_wire_vs": ("<=", 1.0, "< 1"),
}


def load(path):
    r = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or "\t" not in line:
                continue
            k, v = line.split("\t", 1)
            try:
                num = float(v)
                r[k] = int(num) if num.is_integer() and "." not in v and "e" not in v.lower() else num
            except ValueError:
                r[k] = v
    return r


def div(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def derive(r):
    g = r.get
    ceil_all = g("verify_allcores_per_s")
    if ceil_all is not None:
        r["verify_ceiling_per_s"] = ceil_all
    if g("ingest_changes") and g("ingest_s"):
        r["ingest_per_s"] = g("ingest_changes") / g("ingest_s")
        r["ingest_ratio"] = div(r["ingest_per_s"], ceil_all)
    if g("audit_changes") and g("audit_s"):
        r["audit_per_s"] = g("audit_changes") / g("audit_s")
        r["audit_ratio"] = div(r["audit_per_s"], ceil_all)
    if g("recovery_leaves") and g("recovery_s"):
        r["recovery_per_s"] = g("recovery_leaves") / g("recovery_s")
        if g("ingest_per_s"):
            r["recovery_vs_ingest"] = r["recovery_per_s"] / r["ingest_per_s"]
    if g("district_changes") and g("district_s"):
        r["district_per_s"] = g("district_changes") / g("district_s")
        r["district_ratio"] = div(r["district_per_s"], ceil_all)
    if g("hub_rss_anon_mib") is not None:
        r["hub_private_mib"] = g("hub_rss_anon_mib")
    if g("night_s"):
        r["night_ratio"] = div(g("night_s"), g("night_link_s"))
        if g("night_hub_cpu_s") is not None:
            r["night_hub_cores"] = g("night_hub_cpu_s") / g("night_s")
    if g("wire_changes") and g("wire_change_bytes"):
        n, s = g("wire_changes"), g("wire_change_bytes")
        r["wire_change_avg_bytes"] = s / n
        if g("wire_tcp_c2s") is not None:
            r["wire_bytes_per_change"] = (g("wire_tcp_c2s") + g("wire_tcp_s2c")) / n
            r["wire_ratio"] = (g("wire_tcp_c2s") + g("wire_tcp_s2c")) / s
            r["wire_ratio_c2s"] = g("wire_tcp_c2s") / s
        if g("wire_app_out") is not None:
            r["wire_app_ratio"] = (g("wire_app_out") + g("wire_app_in")) / s
        if g("wire_down_tcp_s2c") is not None:
            r["wire_down_ratio"] = (g("wire_down_tcp_c2s") + g("wire_down_tcp_s2c")) / s
    if g("wire_plain_change_bytes") and g("wire_plain_tcp_c2s") is not None:
        r["wire_plain_ratio"] = ((g("wire_plain_tcp_c2s") + g("wire_plain_tcp_s2c"))
                                 / g("wire_plain_change_bytes"))
        # compressed over uncompressed, the same records both ways (openings included)
        if g("wire_ratio"):
            r["wire_vs_plain"] = g("wire_ratio") / r["wire_plain_ratio"]
    if g("delta200_ms") is not None and g("idle_sync_ms"):
        r["delta200_vs_idle"] = g("delta200_ms") / g("idle_sync_ms")
    if g("badlink_change_bytes") and g("badlink_s") and g("badlink_rate_bps"):
        r["badlink_goodput_bps"] = 8 * g("badlink_change_bytes") / g("badlink_s")
        r["badlink_goodput_ratio"] = r["badlink_goodput_bps"] / g("badlink_rate_bps")
        # the encoded changes delivered per second over the link's rate: above 1 once compressed
        r["badlink_payload_ratio"] = r["badlink_goodput_ratio"]
        if g("badlink_cuts"):
            r["badlink_resent_per_cut"] = g("badlink_resent_changes", 0) / g("badlink_cuts")
            if g("badlink_window_changes"):
                r["badlink_resent_per_cut_ratio"] = r["badlink_resent_per_cut"] / g("badlink_window_changes")
    if g("local_write_per_s") and g("fsync_per_s"):
        r["local_write_vs_fsync"] = g("local_write_per_s") / g("fsync_per_s")
    if g("local_batch_per_s") and g("sign_1core_per_s"):
        r["local_batch_vs_sign"] = g("local_batch_per_s") / g("sign_1core_per_s")
    if g("cli_step_ms") and g("cli_exec_ms"):
        r["cli_step_vs_exec"] = g("cli_step_ms") / g("cli_exec_ms")
    for name in ("pouchdb", "hypercore"):
        if g(name + "_per_s") and g("ingest_per_s"):
            r[name + "_speedup"] = g("ingest_per_s") / g(name + "_per_s")
        rb = g("record_bytes") or 300
        if g(name + "_bytes_per_record") and g("wire_ratio"):
            r[name + "_wire_overhead"] = g(name + "_bytes_per_record") / rb
            r[name + "_wire_vs"] = g("wire_ratio") / r[name + "_wire_overhead"]
    return r


def fmt_num(v, unit="", digits=None):
    if v is None:
        return "-"
    if digits is None:
        if isinstance(v, int) or float(v).is_integer():
            digits = 0
        else:
            digits = 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else 2)
    s = "{:,.{}f}".format(v, digits)
    return s + (" " + unit if unit else "")


def verdict(key, v):
    if key not in GOALS or v is None:
        return ""
    op, bound, _ = GOALS[key]
    ok = v >= bound if op == ">=" else v <= bound
    return "met" if ok else "MISSED"


def table(r, peers):
    g = r.get
    rows = []   # (figure, value, reference, ratio, goal, verdict)

    def row(fig, val, ref="", ratio=None, key=None, ratio_digits=2):
        goal = GOALS[key][2] if key in GOALS else ""
        gv = g(key) if key else None
        rows.append((fig, val, ref, "" if ratio is None else "{:.{}f}".format(ratio, ratio_digits), goal,
                     verdict(key, gv)))

    def machine(part, wall_key=None):
        cores = g("machine_cores") or 1
        if wall_key and g(part + "_hub_cpu_s") is not None and g(wall_key):
            used = g(part + "_hub_cpu_s") + (g(part + "_node_cpu_s") or 0)
            row("  CPU used by the hub and node(s)", "%.0f %%" % (100 * used / (g(wall_key) * cores)),
                "of %d cores: hub %s s, node(s) %s s" % (cores, fmt_num(g(part + "_hub_cpu_s")),
                                                        fmt_num(g(part + "_node_cpu_s"))))
        if g(part + "_disk_flushes") is not None:
            ref = "%s flushes" % fmt_num(g(part + "_disk_flushes"))
            if g(part + "_flush_ms") is not None:
                ref += " of %s ms" % fmt_num(g(part + "_flush_ms"))
            if g(part + "_disk_mib") is not None:
                ref = "%s MiB written, " % fmt_num(g(part + "_disk_mib")) + ref
            row("  disk busy meanwhile (whole machine)", "%.0f %%" % (100 * g(part + "_disk_busy")), ref)

    thr = g("verify_threads")
    if g("verify_1core_per_s") is not None:
        row("ceiling: Ed25519 verify, 300 B, 1 core", fmt_num(g("verify_1core_per_s"), "/s"), "libsodium")
        row("ceiling: Ed25519 verify, 300 B, %s cores" % thr, fmt_num(g("verify_allcores_per_s"), "/s"),
            "1 core", div(g("verify_allcores_per_s"), g("verify_1core_per_s")))
    if g("ingest_per_s") is not None:
        row("ingest: %s changes, 1 node, CURVE, durable" % fmt_num(g("ingest_changes")),
            fmt_num(g("ingest_per_s"), "changes/s"), "all-cores ceiling", g("ingest_ratio"), "ingest_ratio")
        row("  end to end", fmt_num(g("ingest_s"), "s"), "")
        machine("ingest", "ingest_s")
    if g("audit_per_s") is not None:
        row("audit: shouhe-audit verify, %s changes, every core" % fmt_num(g("audit_changes")),
            fmt_num(g("audit_per_s"), "changes/s"), "all-cores ceiling", g("audit_ratio"), "audit_ratio")
    if g("recovery_per_s") is not None:
        row("recovery: %s lost entries back from a node" % fmt_num(g("recovery_leaves")),
            fmt_num(g("recovery_per_s"), "entries/s"), "ingest", g("recovery_vs_ingest"))
        row("  end to end (offer, rebuild, check the root)", fmt_num(g("recovery_s"), "s"), "")
        row("  bytes the node sent", fmt_num(g("recovery_bytes_out"), "B"), "")
    if g("district_per_s") is not None:
        row("district: %s nodes x %s changes at once" % (g("district_nodes"), fmt_num(g("district_per_node"))),
            fmt_num(g("district_s"), "s"), "")
        row("  throughput", fmt_num(g("district_per_s"), "changes/s"), "all-cores ceiling",
            g("district_ratio"), "district_ratio")
        row("  node peak RSS (max of %s)" % g("district_nodes"), fmt_num(g("node_rss_mib"), "MiB"), "goal",
            div(g("node_rss_mib"), 16.0), "node_rss_mib")
        row("  hub peak RSS (VmHWM)", fmt_num(g("hub_rss_mib"), "MiB"), "goal", div(g("hub_rss_mib"), 256.0),
            "hub_rss_mib")
        if g("hub_rss_anon_mib") is not None:
            row("    of which private (peak RssAnon)", fmt_num(g("hub_private_mib"), "MiB"),
                "store file %s MiB" % fmt_num(g("hub_store_mib")), div(g("hub_private_mib"), 128.0),
                "hub_private_mib")
        if g("district_failed"):
            row("  syncs that failed", fmt_num(g("district_failed")), "")
        machine("district", "district_s")
    if g("wire_ratio") is not None:
        row("wire: TCP bytes per change (upload, both ways)", fmt_num(g("wire_bytes_per_change"), "B"),
            "encoded change %s B" % fmt_num(g("wire_change_avg_bytes")), g("wire_ratio"), "wire_ratio", 3)
        if g("wire_app_ratio") is not None:
            row("  application messages only (node's count)", "", "encoded change", g("wire_app_ratio"), None, 3)
        if g("wire_plain_ratio") is not None:
            row("  the same, --compress off", "", "encoded change", g("wire_plain_ratio"), None, 3)
            row("  compressed / uncompressed (openings included)", "", "--compress off",
                g("wire_vs_plain"), None, 3)
        if g("wire_down_ratio") is not None:
            row("wire: TCP bytes per change (download, both ways)",
                fmt_num((g("wire_down_tcp_c2s") + g("wire_down_tcp_s2c")) / g("wire_changes"), "B"),
                "encoded change", g("wire_down_ratio"), None, 3)
    if g("idle_session_bytes") is not None:
        row("wire: idle sync session, handshake included", fmt_num(g("idle_session_bytes"), "B"), "goal 2048 B",
            g("idle_session_bytes") / 2048.0, "idle_session_bytes")
    if g("delta200_ms") is not None:
        row("wire: sync 200 new changes after a full sync", fmt_num(g("delta200_ms"), "ms"),
            "idle sync %s" % fmt_num(g("idle_sync_ms"), "ms"), g("delta200_vs_idle"), "delta200_ms")
        if g("delta200_node_ms") is not None:
            row("  inside the node's session (no exec/exit)", fmt_num(g("delta200_node_ms"), "ms"),
                "idle %s" % fmt_num(g("idle_sync_node_ms"), "ms"), div(g("delta200_node_ms"), g("idle_sync_node_ms")))
        machine("delta")
    if g("badlink_goodput_ratio") is not None:
        row("bad link (%s): %s changes" % (g("badlink_mode"), fmt_num(g("badlink_changes"))),
            fmt_num(g("badlink_s"), "s"), "%s cuts" % g("badlink_cuts"))
        row("  payload delivered (encoded changes)", fmt_num(g("badlink_goodput_bps") / 1000.0, "kbit/s"),
            "link %s kbit/s" % fmt_num(g("badlink_rate_bps") / 1000.0), g("badlink_payload_ratio"),
            "badlink_payload_ratio")
        if g("badlink_resent_per_cut") is not None:
            row("  changes sent again, per cut (mean; max %s)" % fmt_num(g("badlink_resent_max_per_cut")),
                fmt_num(g("badlink_resent_per_cut")),
                "in-flight window %s" % fmt_num(g("badlink_window_changes")), g("badlink_resent_per_cut_ratio"),
                "badlink_resent_per_cut_ratio")
            row("  changes sent again, in all (est.)", fmt_num(g("badlink_resent_changes")),
                "hub duplicates %s" % fmt_num(g("badlink_duplicates")))
        machine("badlink")
    if g("night_ratio") is not None:
        row("night, %s: %s villages, %s with their first year" % (g("night_mode"), g("night_nodes"),
            fmt_num(g("night_year_nodes"))), fmt_num(g("night_s"), "s"),
            "slowest link's floor %s" % fmt_num(g("night_link_s"), "s"), g("night_ratio"), "night_ratio")
        row("  slowest link: %s B at %s kbit/s, RTT %s ms" % (
            fmt_num(g("night_slowest_bytes")), fmt_num(g("night_slowest_rate_bps") / 1000.0),
            fmt_num(g("night_slowest_rtt_ms"))), fmt_num(g("night_slowest_s"), "s"),
            "%s cut(s)%s" % (fmt_num(g("night_slowest_cuts")), ", first year" if g("night_slowest_first_year") else ""))
        row("  changes: years + deltas", fmt_num((g("night_year_changes") or 0) + (g("night_delta_changes") or 0)),
            "%s + %s; %s cuts, %s sync runs" % (fmt_num(g("night_year_changes")), fmt_num(g("night_delta_changes")),
                                                fmt_num(g("night_cuts")), fmt_num(g("night_attempts"))))
        if g("night_hub_cores") is not None:
            row("  hub CPU meanwhile (mean cores)", fmt_num(g("night_hub_cores"), digits=2),
                "hub %s s of CPU" % fmt_num(g("night_hub_cpu_s")), None, "night_hub_cores")
        if g("night_hub_rss_anon_mib") is not None:
            row("  hub private memory (peak RssAnon)", fmt_num(g("night_hub_rss_anon_mib"), "MiB"), "")
        if g("night_link_cpu_s") is not None:
            row("  the link emulator (one process)", fmt_num(g("night_link_cpu_s"), "s CPU"),
                "event loop late by %s ms at p99, %s max" % (fmt_num(g("night_link_lag_ms_p99")),
                                                             fmt_num(g("night_link_lag_ms_max"))))
        machine("night", "night_s")
    if g("local_write_per_s") is not None:
        row("local: signed writes, one durable commit each", fmt_num(g("local_write_per_s"), "/s"),
            "fsync %s/s" % fmt_num(g("fsync_per_s")), g("local_write_vs_fsync"))
        row("local: signed writes, %s per commit" % fmt_num(g("local_batch")), fmt_num(g("local_batch_per_s"), "/s"),
            "Ed25519 sign %s/s" % fmt_num(g("sign_1core_per_s")), g("local_batch_vs_sign"))
        row("local: sh_ops_points (validated op, own commit)", fmt_num(g("local_op_per_s"), "/s"),
            "fsync %s/s" % fmt_num(g("fsync_per_s")), div(g("local_op_per_s"), g("fsync_per_s")))
    if g("cli_step_ms") is not None:
        row("local: `shouhe-node matter step`, median", fmt_num(g("cli_step_ms"), "ms"),
            "exec floor %s" % fmt_num(g("cli_exec_ms"), "ms"), g("cli_step_vs_exec"), "cli_step_ms")
    machine("local")
    if peers:
        for name, label in (("pouchdb", "PouchDB"), ("hypercore", "Hypercore")):
            if g(name + "_per_s") is not None:
                row("peers: %s, records/s" % label, fmt_num(g(name + "_per_s"), "/s"),
                    "shouhe ingest %s/s (shouhe / %s)" % (fmt_num(g("ingest_per_s")), label),
                    g(name + "_speedup"), name + "_speedup")
            if g(name + "_bytes_per_record") is not None:
                row("peers: %s, wire bytes per %s B record" % (label, fmt_num(g("record_bytes") or 300)),
                    fmt_num(g(name + "_bytes_per_record"), "B"),
                    "overhead %s vs shouhe %s" % (fmt_num(g(name + "_wire_overhead"), digits=2),
                                                  fmt_num(g("wire_ratio"), digits=3)),
                    g(name + "_wire_vs"), name + "_wire_vs")

    heads = ("figure", "value", "reference (same run)", "ratio", "goal", "")
    widths = [max(len(str(x[i])) for x in rows + [heads]) for i in range(6)]
    out = []
    line = "  ".join(str(h).ljust(widths[i]) for i, h in enumerate(heads)).rstrip()
    out.append(line)
    out.append("-" * len(line))
    for x in rows:
        out.append("  ".join(str(c).ljust(widths[i]) if i != 1 else str(c).rjust(widths[i])
                             for i, c in enumerate(x)).rstrip())
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    path, jpath, ppath = args[0], None, None
    i = 1
    while i < len(args):
        if args[i] == "--json" and i + 1 < len(args):
            jpath = args[i + 1]
            i += 2
        elif args[i] == "--peers" and i + 1 < len(args):
            ppath = args[i + 1]
            i += 2
        else:
            print("report.py: unknown argument %r" % args[i], file=sys.stderr)
            return 2
    r = load(path)
    peers = None
    if ppath:
        try:
            with open(ppath, encoding="utf-8") as f:
                peers = json.load(f)
            r.update({k: v for k, v in peers.items() if isinstance(v, (int, float, str))})
        except (OSError, ValueError) as e:
            print("report.py: cannot read the peers' JSON %s: %s" % (ppath, e), file=sys.stderr)
    r = derive(r)
    print(table(r, peers))
    goals = {k: verdict(k, r.get(k)) for k in GOALS if r.get(k) is not None}
    missed = sorted(k for k, v in goals.items() if v == "MISSED")
    print("\ngoals met: %d of %d%s" % (len(goals) - len(missed), len(goals),
                                       "; missed: " + ", ".join(missed) if missed else ""))
    if jpath:
        out = {}
        for k, v in sorted(r.items()):
            if isinstance(v, float):
                v = round(v, 4)
            out[k] = v
        out["goals_missed"] = missed
        tmp = jpath + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        import os
        os.replace(tmp, jpath)
    return 0


if __name__ == "__main__":
    sys.exit(main())
