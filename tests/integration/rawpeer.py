#!/usr/bin/python3
"""rawpeer -- a raw shouhe wire client for the integration tests: talks to shouhe-hub with a
ZeroMQ DEALER over CURVE, like shouhe-node sync, but sends whatever a scenario says, including
garbage, so that tests can check how the hub answers misbehaving peers.

    rawpeer.py --hub ENDPOINT --hub-key HEX (--key-file NODE_DIR/node.key | --random-key)
               [--scope CODE] [--timeout S] SCENARIO

Needs Debian's python3-zmq and python3-nacl (run with /usr/bin/python3). Identities follow
docs/protocol.md section 2 (key file: "shouhe-ed25519-seed-v1 <seed hex>\\n"); the CURVE keys are
the Ed25519 keys converted with crypto_sign_ed25519_{pk,sk}_to_curve25519. Envelopes follow
proto/shouhe/v1/wire.proto; changes follow docs/protocol.md section 4 (encoded by hand here:
proto2, fields in number order, minimal varints -- the canonical encoding).

Scenarios (each opens its own connection; --scope is the region prefix the good changes use, a
village: courtyards are written as SCOPE + 3 digits):
  welcome        Hello -> the Welcome
  ping           Hello, Ping -> Pong
  garbage        random bytes as a message
  truncated      a Hello cut in the middle
  version        a well-formed Hello in an Envelope of version 2
  empty          an empty message
  no-body        an Envelope with a version and no body
  oversize       Hello, then a Push bigger than the Welcome's max_bytes
  too-many       Hello, then a Push with max_changes + 1 (tiny, garbage) changes
  no-session     a Push before any Hello
  claim          a Hello naming another key than the CURVE identity
  forged         Hello, a Push of one good change whose signature has one bit flipped
  other-author   Hello, a Push of a change signed by another (random) key
  gap            Hello, a Push of a change with seq head + 2
  bad-prev       Hello, a Push of a change with seq head + 1 and a wrong prev
  bad-body       Hello, a Push of a courtyard PUT whose body is not a Courtyard
  out-of-scope   Hello, a Push of a courtyard in the neighbouring village (scope + 1)
  noncanonical   Hello, a Push of a change with a non-minimal varint (validly signed)
  push-good      Hello, a Push of one good courtyard change
  replay         Hello, push one good change, then the same change again in a new Push
  equivocate     Hello, a Push of another change at seq 1 (the hub must hold seq 1 already)
  downstream     Hello, Pull since 0 (max 1024) -> the first Batch
  zpush          Hello asking for zstd-v1 (docs/protocol.md 13.22), then one Push of 5 chained
                 good changes as zchanges (author and prev left out after the first) -> Ack
  zbad           Hello asking for zstd-v1; Pushes whose zchanges break a rule: a bomb (4 MiB of
                 zeros), an undeclared size, both changes and zchanges, prev left out across a
                 gap -- each ERR_MALFORMED -- then one good change as zchanges -> Ack
  zdownstream    Hello asking for zstd-v1, Pull since 0 -> a Batch whose zchanges this script
                 rebuilds (13.22) and whose every change's signature it verifies ("verified")
  lead           who may move a matter (docs/protocol.md 6.4, 13.8): Hello; Push 1 = the
                 courtyard SCOPE + 001, a matter in it, its escalation to big and a step consult,
                 all by this key (ERR_LEAD expected, position 3); Push 2 = the courtyard, the
                 matter and its escalation (Ack); Push 3 = the step consult alone (ERR_LEAD,
                 position 0); Push 4 = a note (Ack). The result also holds "matter" (the id in
                 hex).

Output: one JSON object on stdout, {"scenario": ..., "replies": [...], ...}; a reply is
{"type": "error", "code": "ERR_...", "message": ..., "batch": ..., "position": ...},
{"type": "welcome", ...}, {"type": "ack", ...}, {"type": "batch", "n": ..., "done": ...},
{"type": "pong"}, {"type": "timeout"} (nothing within --timeout),
{"type": "handshake_failed", "event": ..., "status": ...} or {"type": "undecodable", "hex": ...}.
Exit status: 0 the scenario ran (whatever the hub answered), 2 usage or setup error.
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import time

try:
    import zstandard
except ImportError:  # only the z* scenarios need it (Debian's python3-zstandard)
    zstandard = None

try:
    import zmq
    import zmq.utils.monitor
    import nacl.bindings as nb
except ImportError as e:  # pragma: no cover
    print("rawpeer: needs python3-zmq and python3-nacl: %s" % e, file=sys.stderr)
    sys.exit(2)

ERROR_CODES = {0: "ERR_UNSPECIFIED", 1: "ERR_MALFORMED", 2: "ERR_VERSION", 3: "ERR_NOT_ENROLLED",
               4: "ERR_REVOKED", 5: "ERR_SIGNATURE", 6: "ERR_CHAIN", 7: "ERR_AUTHOR", 8: "ERR_SCOPE",
               9: "ERR_TOO_LARGE", 10: "ERR_EQUIVOCATION", 11: "ERR_BLOCKED", 12: "ERR_BODY",
               13: "ERR_SESSION", 14: "ERR_ROLE", 15: "ERR_INTERNAL", 16: "ERR_CREDIT",
               17: "ERR_RECOVERING", 18: "ERR_QUOTA", 19: "ERR_STORE_FULL", 20: "ERR_LEAD"}
SIGN_PREFIX = b"shouhe/v1/change\n"
KIND_COURTYARD, OP_PUT = 2, 1
KIND_MATTER, KIND_MATTER_EVENT, OP_EVENT = 5, 6, 3
EVENT_STEP, EVENT_ESCALATE, EVENT_NOTE = 1, 2, 4
STEP_CONSULT, TIER_BIG = 2, 3

# ----------------------------------------------------------------------------------------------
# protobuf by hand


def varint(n, pad_to=0):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n or len(out) + 1 < pad_to:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint((field << 3) | 2) + varint(len(data)) + data


def parse(buf):
    """-> {field: [values]} (varints as int, length-delimited as bytes); raises ValueError."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            if i + n > len(buf):
                raise ValueError("length past the end")
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(field, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def envelope(body_field, body, version=1):
    return f_varint(1, version) + (f_bytes(body_field, body) if body_field else b"")


def hello(node_key, since=0, compress=0):
    return envelope(2, f_bytes(1, node_key) + f_varint(2, since) + (f_varint(5, compress) if compress else b""))


def push(batch, changes, zchanges=None):
    body = f_varint(1, batch) + b"".join(f_bytes(2, c) for c in changes)
    return envelope(4, body + (f_bytes(4, zchanges) if zchanges is not None else b""))


# ----------------------------------------------------------------------------------------------
# compressed changes, written from docs/protocol.md 13.22 (not from the C code)

def z_split(sc):
    """(author, seq, prev, rest, sig) of a SignedChange in the canonical layout, else None."""
    if len(sc) < 2 or sc[0] != 0x0A:
        return None
    clen, i = read_varint(sc, 1)
    if varint(clen) != sc[1:i] or i + clen + 66 != len(sc) or sc[i + clen:i + clen + 2] != b"\x12\x40":
        return None
    c = sc[i:i + clen]
    if c[:2] != b"\x0a\x20" or len(c) < 36 or c[34] != 0x10:
        return None
    seq, j = read_varint(c, 35)
    if seq == 0 or varint(seq) != c[35:j] or c[j:j + 2] != b"\x1a\x20" or len(c) < j + 34:
        return None
    return c[2:34], seq, c[j + 2:j + 34], c[j + 34:], sc[-64:]


def z_encode(changes):
    """The entries of 13.22 for these SignedChanges, in one zstd frame with its size declared."""
    out, last = b"", None
    for sc in changes:
        p = z_split(sc)
        if p is None:
            out += b"\x00" + varint(len(sc)) + sc
            last = None
            continue
        author, seq, prev, rest, sig = p
        a = last is not None and last[0] == author
        pp = a and last[1] + 1 == seq and hashlib.sha256(last[2]).digest() == prev
        out += bytes([1 | (2 if a else 0) | (4 if pp else 0)]) + (b"" if a else author) + varint(seq)
        out += (b"" if pp else prev) + varint(len(rest)) + rest + sig
        change = b"\x0a\x20" + author + b"\x10" + varint(seq) + b"\x1a\x20" + prev + rest
        last = (author, seq, change)
    return zstandard.ZstdCompressor(level=3, write_content_size=True).compress(out)


def z_decode(frame):
    """Rebuild the SignedChanges of a zchanges frame (13.22)."""
    data = zstandard.ZstdDecompressor().decompress(frame)
    out, i, last = [], 0, None
    while i < len(data):
        f = data[i]
        i += 1
        if f == 0:
            n, i = read_varint(data, i)
            out.append(data[i:i + n])
            i += n
            last = None
            continue
        if f not in (1, 3, 5, 7):
            raise ValueError("unknown flags %d" % f)
        if f & 6 and last is None:
            raise ValueError("author or prev left out with no split entry before")
        author = last[0] if f & 2 else data[i:i + 32]
        i += 0 if f & 2 else 32
        seq, i = read_varint(data, i)
        if f & 4:
            if last[0] != author or last[1] + 1 != seq:
                raise ValueError("prev left out, but not the author's next change")
            prev = hashlib.sha256(last[2]).digest()
        else:
            prev, i = data[i:i + 32], i + 32
        r, i = read_varint(data, i)
        rest, sig = data[i:i + r], data[i + r:i + r + 64]
        i += r + 64
        change = b"\x0a\x20" + author + b"\x10" + varint(seq) + b"\x1a\x20" + prev + rest
        out.append(b"\x0a" + varint(len(change)) + change + b"\x12\x40" + sig)
        last = (author, seq, change)
    return out


def pull(since, mx):
    return envelope(6, f_varint(1, since) + f_varint(2, mx))


def ping(nonce):
    return envelope(9, f_varint(1, nonce))


def decode_reply(buf):
    try:
        env = parse(buf)
        for field, name in ((3, "welcome"), (5, "ack"), (7, "batch"), (8, "error"), (10, "pong")):
            if field in env:
                body = parse(env[field][0])
                g = lambda n, d=None: body.get(n, [d])[0]
                if name == "welcome":
                    return {"type": name, "scope": g(1, b"").decode(), "head_seq": g(2, 0),
                            "head_hash": g(3, b"").hex(), "log_size": g(4, 0), "credit": g(5, 0),
                            "max_changes": g(6, 0), "max_bytes": g(7, 0), "compress": g(18, 0)}
                if name == "ack":
                    return {"type": name, "batch": g(1), "head_seq": g(2), "accepted": g(3),
                            "duplicates": g(4), "checkpoint": g(5, b"").decode()}
                if name == "batch":
                    changes = body.get(3, [])
                    if 11 in body:
                        changes = z_decode(g(11))
                    return {"type": name, "since": g(1), "next": g(2), "n": len(changes),
                            "keys": len(body.get(4, [])), "done": bool(g(5, 0)),
                            "zbytes": len(g(11, b"")), "changes": [c.hex() for c in changes]}
                if name == "error":
                    return {"type": name, "code": ERROR_CODES.get(g(1, 0), str(g(1))),
                            "message": g(2, b"").decode("utf-8", "replace"), "batch": g(3),
                            "position": g(4)}
                return {"type": name}
        return {"type": "unknown", "hex": buf[:64].hex()}
    except (ValueError, UnicodeDecodeError):
        return {"type": "undecodable", "hex": buf[:64].hex()}

# ----------------------------------------------------------------------------------------------
# identities and changes


class Identity:
    def __init__(self, seed):
        self.seed = seed
        self.pk, self.sk = nb.crypto_sign_seed_keypair(seed)
        self.curve_pk = nb.crypto_sign_ed25519_pk_to_curve25519(self.pk)
        self.curve_sk = nb.crypto_sign_ed25519_sk_to_curve25519(self.sk)

    @staticmethod
    def from_file(path):
        text = open(path, "rb").read()
        magic = b"shouhe-ed25519-seed-v1 "
        if len(text) != 88 or not text.startswith(magic) or not text.endswith(b"\n"):
            raise ValueError("%s is not a shouhe key file" % path)
        return Identity(bytes.fromhex(text[len(magic):87].decode()))

    def sign(self, msg):
        return nb.crypto_sign(msg, self.sk)[:64]


def courtyard_body(code, name="测试院落", households=12):
    return (f_bytes(1, code) + f_bytes(2, name) + f_bytes(3, code[:12]) + f_varint(4, households))


def change_bytes(author, seq, prev, region, kind, entity, op, body, hlc=None, pad_seq=0):
    if hlc is None:
        hlc = (int(time.time() * 1000) << 16)
    return (f_bytes(1, author) + varint(2 << 3) + varint(seq, pad_seq) + f_bytes(3, prev)
            + f_varint(4, hlc) + f_bytes(5, region) + f_varint(6, kind) + f_bytes(7, entity)
            + f_varint(8, op) + (f_bytes(9, body) if body is not None else b""))


def signed(ident, change, flip=False):
    sig = bytearray(ident.sign(SIGN_PREFIX + change))
    if flip:
        sig[10] ^= 0x01
    return f_bytes(1, change) + f_bytes(2, bytes(sig))


def courtyard_change(ident, seq, prev, code, body=None, **kw):
    return change_bytes(ident.pk, seq, prev, code, KIND_COURTYARD, code.encode(), OP_PUT,
                        courtyard_body(code) if body is None else body, **kw)

class Chain:
    """This key's next changes: seq and prev follow the Welcome's head, then each change made."""

    def __init__(self, ident, welcome):
        self.ident = ident
        self.seq = welcome["head_seq"]
        self.prev = bytes.fromhex(welcome["head_hash"]) if self.seq else bytes(32)

    def mark(self):
        return (self.seq, self.prev)

    def rewind(self, mark):
        self.seq, self.prev = mark

    def change(self, region, kind, entity, op, body):
        # an HLC that rises with seq, as a node's does (events are keyed by (hlc, author))
        self.seq += 1
        ch = change_bytes(self.ident.pk, self.seq, self.prev, region, kind, entity, op, body,
                          hlc=(int(time.time() * 1000) << 16) + self.seq)
        self.prev = hashlib.sha256(ch).digest()
        return signed(self.ident, ch)


def matter_event(kind, step=None, tier=None, note=None):
    return (f_varint(1, kind) + (f_varint(2, step) if step else b"") + (f_varint(3, tier) if tier else b"")
            + (f_bytes(5, note) if note else b"") + f_bytes(6, time.strftime("%Y-%m-%d")))


def scenario_lead(p, ident, w, village, res):
    """Push, as the village itself, a step on a matter it made big: ERR_LEAD (see the usage)."""
    cy = "%s001" % village
    mid = os.urandom(16)
    res["matter"] = mid.hex()
    c = Chain(ident, w)
    yard = c.change(cy, KIND_COURTYARD, cy.encode(), OP_PUT, courtyard_body(cy))   # the matter's courtyard (3.1)
    opened = c.change(cy, KIND_MATTER, mid, OP_PUT,
                      f_bytes(1, cy) + f_varint(2, 4) + f_bytes(3, "排水沟堵塞") + f_bytes(5, time.strftime("%Y-%m-%d")))
    big = c.change(cy, KIND_MATTER_EVENT, mid, OP_EVENT, matter_event(EVENT_ESCALATE, tier=TIER_BIG))
    after_big = c.mark()
    step = c.change(cy, KIND_MATTER_EVENT, mid, OP_EVENT, matter_event(EVENT_STEP, step=STEP_CONSULT))
    # 1: the escalation earlier in the same batch counts
    p.send(push(1, [yard, opened, big, step]))
    if p.recv()["type"] != "error":
        return
    # 2, 3: the escalation stored, then the step alone
    p.send(push(2, [yard, opened, big]))
    if p.recv()["type"] != "ack":
        return
    p.send(push(3, [step]))
    if p.recv()["type"] != "error":
        return
    # 4: a note is anyone's (the refused step was not stored: the note takes its seq)
    c.rewind(after_big)
    p.send(push(4, [c.change(cy, KIND_MATTER_EVENT, mid, OP_EVENT, matter_event(EVENT_NOTE, note="群众盼早日解决"))]))
    p.recv()

# ----------------------------------------------------------------------------------------------
# the connection


class Peer:
    def __init__(self, args, ident):
        self.args = args
        self.ident = ident
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.CURVE_SERVERKEY, nb.crypto_sign_ed25519_pk_to_curve25519(args.hub_key))
        self.sock.setsockopt(zmq.CURVE_PUBLICKEY, ident.curve_pk)
        self.sock.setsockopt(zmq.CURVE_SECRETKEY, ident.curve_sk)
        self.mon = self.sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
            | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | zmq.EVENT_DISCONNECTED)
        self.sock.connect(args.hub)
        self.replies = []
        self.failed = None

    def wait_handshake(self):
        """True once the CURVE handshake succeeded; records a failure otherwise."""
        t_end = time.monotonic() + self.args.timeout
        while time.monotonic() < t_end:
            if self.mon.poll(100):
                ev = zmq.utils.monitor.recv_monitor_message(self.mon)
                if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                    return True
                if ev["event"] in (zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                   zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL):
                    self.failed = {"type": "handshake_failed", "status": ev["value"],
                                   "event": {zmq.EVENT_HANDSHAKE_FAILED_AUTH: "auth",
                                             zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "protocol"}
                                   .get(ev["event"], "no_detail")}
                    return False
        self.failed = {"type": "timeout", "during": "handshake"}
        return False

    def send(self, data):
        self.sock.send(data)

    def recv(self, timeout=None):
        t = self.args.timeout if timeout is None else timeout
        if self.sock.poll(int(t * 1000)):
            r = decode_reply(self.sock.recv())
        else:
            r = {"type": "timeout"}
        self.replies.append(r)
        return r

    def hello(self, compress=0):
        self.send(hello(self.ident.pk, compress=compress))
        return self.recv()

    def close(self):
        self.sock.disable_monitor()
        self.mon.close(0)
        self.sock.close(0)

# ----------------------------------------------------------------------------------------------
# scenarios


def z_verify(sc):
    """1 when SignedChange sc's signature verifies with the author it names (4.5), else 0."""
    p = z_split(sc)
    if p is None:
        return 0
    clen, i = read_varint(sc, 1)
    try:
        nb.crypto_sign_open(p[4] + SIGN_PREFIX + sc[i:i + clen], p[0])
        return 1
    except Exception:
        return 0


def scenario_zbad(p, good, seq):
    """Pushes whose zchanges break 13.22, each refused; then a good one, acknowledged."""
    author, _, prev, rest, sig = z_split(good)
    bomb = zstandard.ZstdCompressor(write_content_size=True).compress(bytes(4 << 20))
    p.send(push(1, [], zchanges=bomb))
    p.recv()
    undeclared = zstandard.ZstdCompressor(write_content_size=False).compress(b"\x00" + varint(len(good)) + good)
    p.send(push(2, [], zchanges=undeclared))
    p.recv()
    p.send(push(3, [good], zchanges=z_encode([good])))
    p.recv()
    entry = b"\x01" + author + varint(seq) + prev + varint(len(rest)) + rest + sig
    gap = entry + b"\x07" + varint(seq + 2) + varint(0) + bytes(64)
    p.send(push(4, [], zchanges=zstandard.ZstdCompressor(write_content_size=True).compress(gap)))
    p.recv()
    p.send(push(5, [], zchanges=z_encode([good])))
    p.recv()


def run(args, ident):
    p = Peer(args, ident)
    res = {"scenario": args.scenario, "key": ident.pk.hex()}
    try:
        if not p.wait_handshake():
            res["replies"] = [p.failed]
            return res
        sc = args.scenario
        village = args.scope
        code = lambda n: "%s%03d" % (village, n)
        if sc == "garbage":
            p.send(os.urandom(97) + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
            p.recv()
        elif sc == "truncated":
            h = hello(ident.pk)
            p.send(h[:len(h) // 2])
            p.recv()
        elif sc == "version":
            p.send(envelope(2, f_bytes(1, ident.pk) + f_varint(2, 0), version=2))
            p.recv()
        elif sc == "empty":
            p.send(b"")
            p.recv()
        elif sc == "no-body":
            p.send(envelope(None, b""))
            p.recv()
        elif sc == "no-session":
            ch = courtyard_change(ident, 1, bytes(32), code(901))
            p.send(push(1, [signed(ident, ch)]))
            p.recv()
        elif sc == "claim":
            other = Identity(os.urandom(32))
            p.send(hello(other.pk))
            p.recv()
        elif sc == "welcome":
            p.hello()
        elif sc == "ping":
            w = p.hello()
            if w["type"] == "welcome":
                p.send(ping(12345))
                p.recv()
        elif sc in ("downstream", "zdownstream"):
            w = p.hello(compress=1 if sc == "zdownstream" else 0)
            if w["type"] == "welcome":
                p.send(pull(0, 1024))
                b = p.recv()
                if b["type"] == "batch":
                    res["verified"] = sum(z_verify(bytes.fromhex(c)) for c in b["changes"])
        else:
            w = p.hello(compress=1 if sc.startswith("z") else 0)
            if w["type"] != "welcome":
                res["replies"] = p.replies
                return res
            seq = w["head_seq"] + 1
            prev = bytes.fromhex(w["head_hash"]) if w["head_seq"] else bytes(32)
            n = 900 + (seq % 90)
            good = signed(ident, courtyard_change(ident, seq, prev, code(n)))
            if sc == "push-good":
                p.send(push(1, [good]))
                p.recv()
            elif sc == "replay":
                p.send(push(1, [good]))
                if p.recv()["type"] == "ack":
                    p.send(push(2, [good]))
                    p.recv()
            elif sc == "forged":
                p.send(push(1, [signed(ident, courtyard_change(ident, seq, prev, code(n)), flip=True)]))
                p.recv()
            elif sc == "other-author":
                other = Identity(os.urandom(32))
                p.send(push(1, [signed(other, courtyard_change(other, 1, bytes(32), code(n)))]))
                p.recv()
            elif sc == "gap":
                p.send(push(1, [signed(ident, courtyard_change(ident, seq + 1, hashlib.sha256(b"x").digest(), code(n)))]))
                p.recv()
            elif sc == "bad-prev":
                wrong = hashlib.sha256(b"not the head").digest()
                if seq == 1:
                    # seq 1 needs a zero prev (a malformed change otherwise): push a good one first
                    p.send(push(1, [good]))
                    a = p.recv()
                    if a["type"] != "ack":
                        res["replies"] = p.replies
                        return res
                    seq += 1
                p.send(push(2, [signed(ident, courtyard_change(ident, seq, wrong, code(n + 1)))]))
                p.recv()
            elif sc == "bad-body":
                body = b"\xff\xff\xff\xff not a courtyard"
                p.send(push(1, [signed(ident, courtyard_change(ident, seq, prev, code(n), body=body))]))
                p.recv()
            elif sc == "out-of-scope":
                neighbour = "%012d" % (int(village) + 1)
                p.send(push(1, [signed(ident, courtyard_change(ident, seq, prev, neighbour + "001"))]))
                p.recv()
            elif sc == "noncanonical":
                ch = courtyard_change(ident, seq, prev, code(n), pad_seq=3)  # seq as a 3-byte varint
                p.send(push(1, [signed(ident, ch)]))
                p.recv()
            elif sc == "equivocate":
                # a second, different change at seq 1 (needs the hub to hold seq 1 already)
                if w["head_seq"] < 1:
                    raise SystemExit("rawpeer: equivocate needs head_seq >= 1 at the hub")
                p.send(push(1, [signed(ident, courtyard_change(ident, 1, bytes(32), code(899)))]))
                p.recv()
            elif sc == "oversize":
                big = w["max_bytes"] + 1024
                p.send(push(1, [os.urandom(min(big, 60000))] * (big // 60000 + 1)))
                p.recv()
            elif sc == "lead":
                scenario_lead(p, ident, w, village, res)
            elif sc == "zpush":
                ch = Chain(ident, w)
                cs = [ch.change(code(n + k), KIND_COURTYARD, code(n + k).encode(), OP_PUT,
                                courtyard_body(code(n + k))) for k in range(5)]
                z = z_encode(cs)
                res["plain_bytes"], res["zbytes"] = sum(len(c) for c in cs), len(z)
                p.send(push(1, [], zchanges=z))
                p.recv()
            elif sc == "zbad":
                scenario_zbad(p, good, seq)
            elif sc == "too-many":
                p.send(push(1, [b"\x0a\x01\x00"] * (w["max_changes"] + 1)))
                p.recv()
            else:
                raise SystemExit("rawpeer: unknown scenario '%s'" % sc)
        res["replies"] = p.replies
        return res
    finally:
        p.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hub", required=True)
    ap.add_argument("--hub-key", required=True, type=bytes.fromhex)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--key-file")
    g.add_argument("--random-key", action="store_true")
    ap.add_argument("--scope", default="500115101001")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("scenario")
    args = ap.parse_args()
    try:
        ident = Identity.from_file(args.key_file) if args.key_file else Identity(os.urandom(32))
    except (OSError, ValueError) as e:
        print("rawpeer: %s" % e, file=sys.stderr)
        return 2
    res = run(args, ident)
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
