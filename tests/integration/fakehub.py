#!/usr/bin/python3
"""fakehub -- a malicious shouhe hub for the integration tests: a ZeroMQ ROUTER with CURVE server
keys derived from a hub's Ed25519 key exactly as shouhe-hub derives them (docs/protocol.md 13.2),
relaying one node's messages to a real hub and altering the answers as a scenario says, so that
tests can check every node-side check of docs/protocol.md 13.9, 13.11 and 13.18 against a hub
that holds the hub key and lies (tests/integration/malicious_hub_test.sh).

    fakehub.py --key-file HUB_DIR/hub.key --upstream ENDPOINT --node-key-file NODE_DIR/node.key
               --scope CODE [--upstream-key HEX] [--port-file F] [--log F] SCENARIO

The fake hub binds tcp://127.0.0.1 on a free port (written to --port-file once it listens). It
has no ZAP handler, so it admits every CURVE client. Each message of the node is relayed to the
real hub at --upstream over a DEALER that authenticates with --node-key-file (the man in the
middle holds the hub's key and, for the relay, the node's), the hub's answer is altered per the
scenario and sent back. --upstream-key is the real hub's public key (default: the public key of
--key-file; another one when the fake hub plays another hub). --scope is the node's scope: the
changes the fake hub crafts are courtyards SCOPE + 3 digits.

Scenarios (an alteration is applied to every matching answer unless "once" is said; each
application is logged as {"applied": SCENARIO, ...}):
  honest              relay unchanged
  welcome-no-checkpoint   Welcome without checkpoint and consistency proof
  welcome-log-size    Welcome.log_size = the Hello's since - 1
  welcome-head        Welcome.head_seq + 1 (a hub that claims more of the node's chain)
  welcome-scope       Welcome.scope = the first 9 digits of the node's scope (a wider enrolment)
  welcome-compress    Welcome.compress = 1 (zstd-v1, 13.22) to a node whose Hello did not ask for it;
                      the Hello is relayed as it is (an asking node gets the real hub's Welcome: a
                      control that shows its Pushes compressed)
  strip               no checkpoint, consistency, first_leaf or range in any Welcome or Ack
  strip-ack           the same in Acks only
  ack-resign          Ack checkpoint rebuilt from its size and root and signed here with the hub key
                      (the positive control of the note signer: the node accepts it)
  ack-other-key       Ack checkpoint text signed by another key under the hub's key name
  ack-bad-sig         Ack checkpoint with the hub's key ID and one bit of the signature flipped
  ack-range           Ack batch receipt with one byte of its left range flipped
  ack-first-leaf      Ack.first_leaf - 1 (the receipt does not place the batch where the checkpoint ends)
  batch-good          (once) a valid change of a vouched-for author X appended to a Batch (control)
  batch-bad-sig       (once) X's change with one signature bit flipped
  batch-unvouched     (once) X's change, no KeyEntry for X
  batch-key-scope     (once) X's change in SCOPE, X vouched for the neighbouring village
  batch-auditor       (once) X's change, X vouched for SCOPE with role auditor
  batch-outside       (once) X's change in the neighbouring village, X vouched for the town
  batch-equivocation  (once) X's seq 1 and another X seq 1
  batch-bad-prev      (once) X's seq 1 and an X seq 2 whose prev is not seq 1's hash
  batch-own-gap       (once) a change of the node's own key at its head + 2
  batch-own-fork      (once) another change of the node's own key at its seq 1
  batch-backwards     every Batch becomes {since, next = since - 1, no changes, done}
  batch-beyond        every Batch without its checkpoint and proof, next + 1 (past every checkpoint shown)
  batch-no-index      every Batch with changes without their log indexes

Log (--log, else stderr): one JSON object per line; a relayed Hello says whether it asked for
compression ("compress"), a relayed Push how it carries its changes ("changes": how many plain
ones, "zchanges": whether a zstd frame). Needs python3-zmq and python3-nacl, and
rawpeer.py (same directory) for the change encoding. Exit 0 on SIGTERM/SIGINT, 2 on a setup error.
"""

import argparse
import base64
import hashlib
import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawpeer as rp  # noqa: E402  (exits 2 without zmq / nacl)
import zmq  # noqa: E402
import nacl.bindings as nb  # noqa: E402

BODY = {2: "hello", 3: "welcome", 4: "push", 5: "ack", 6: "pull", 7: "batch", 8: "error", 9: "ping",
        10: "pong", 11: "fetch", 12: "chunk"}
ROLE_NODE, ROLE_AUDITOR = 1, 2
SCENARIOS = ("honest", "welcome-no-checkpoint", "welcome-log-size", "welcome-head", "welcome-scope",
             "welcome-compress", "strip",
             "strip-ack", "ack-resign", "ack-other-key", "ack-bad-sig", "ack-range", "ack-first-leaf",
             "batch-good", "batch-bad-sig", "batch-unvouched", "batch-key-scope", "batch-auditor",
             "batch-outside", "batch-equivocation", "batch-bad-prev", "batch-own-gap", "batch-own-fork",
             "batch-backwards", "batch-beyond", "batch-no-index")
EM_DASH = "\u2014"

# ----------------------------------------------------------------------------------------------
# protobuf: a message as {field: [values]} (rawpeer.parse), written back in field-number order


def encode(msg):
    out = b""
    for field in sorted(msg):
        for v in msg[field]:
            out += rp.f_varint(field, v) if isinstance(v, int) else rp.f_bytes(field, v)
    return out


def encode_packed(values):
    """A packed repeated varint field's bytes."""
    return b"".join(rp.varint(v) for v in values)


def open_envelope(buf):
    """-> (type name, body dict) or (None, None)."""
    try:
        env = rp.parse(buf)
        for field, name in BODY.items():
            if field in env:
                return name, rp.parse(env[field][0])
    except ValueError:
        pass
    return None, None


def close_envelope(name, body):
    field = next(f for f, n in BODY.items() if n == name)
    return rp.f_varint(1, 1) + rp.f_bytes(field, encode(body))


def one(body, field, default=None):
    return body.get(field, [default])[0]

# ----------------------------------------------------------------------------------------------
# C2SP signed notes and checkpoints (docs/protocol.md 8.1)


def origin_of(pk):
    return "shouhe/hub/" + pk[:8].hex()


def key_id(name, pk):
    return hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]


def note_sign(text, name, ident, kid=None):
    """The signed note of text (bytes ending in LF) under key name, signed by ident."""
    sig = ident.sign(text)
    kid = key_id(name, ident.pk) if kid is None else kid
    line = ("%s %s " % (EM_DASH, name)).encode() + base64.b64encode(kid + sig) + b"\n"
    return text + b"\n" + line


def note_text(note):
    """The text of a signed note (up to and with the LF before the blank line)."""
    i = note.rindex(b"\n\n")
    return note[:i + 1]


def checkpoint_fields(text):
    lines = text.decode().split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def checkpoint_text(origin, size, root):
    return ("%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())).encode()

# ----------------------------------------------------------------------------------------------
# the relay


class FakeHub:
    def __init__(self, args):
        self.args = args
        self.sc = args.scenario
        self.hub = rp.Identity.from_file(args.key_file)
        self.node = rp.Identity.from_file(args.node_key_file)
        self.up_key = bytes.fromhex(args.upstream_key) if args.upstream_key else self.hub.pk
        self.origin = origin_of(self.up_key)
        self.log_f = open(args.log, "a") if args.log else sys.stderr
        self.x = rp.Identity(os.urandom(32))     # an author the fake hub invents
        self.hello_since = 0
        self.hello_compress = 0
        self.head_seq = 0
        self.injected = False
        self.ctx = zmq.Context.instance()
        self.router = self.ctx.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.setsockopt(zmq.CURVE_SERVER, 1)
        self.router.setsockopt(zmq.CURVE_PUBLICKEY, self.hub.curve_pk)
        self.router.setsockopt(zmq.CURVE_SECRETKEY, self.hub.curve_sk)
        self.router.setsockopt(zmq.MAXMSGSIZE, 64 << 20)
        self.port = self.router.bind_to_random_port("tcp://127.0.0.1")
        self.up = self.ctx.socket(zmq.DEALER)
        self.up.setsockopt(zmq.LINGER, 0)
        self.up.setsockopt(zmq.CURVE_SERVERKEY, nb.crypto_sign_ed25519_pk_to_curve25519(self.up_key))
        self.up.setsockopt(zmq.CURVE_PUBLICKEY, self.node.curve_pk)
        self.up.setsockopt(zmq.CURVE_SECRETKEY, self.node.curve_sk)
        self.up.connect(args.upstream)

    def log(self, **kw):
        kw["t"] = round(time.time(), 3)
        self.log_f.write(json.dumps(kw, sort_keys=True) + "\n")
        self.log_f.flush()

    def applied(self, **kw):
        self.log(applied=self.sc, **kw)

    # -- crafted changes ----------------------------------------------------------------------

    def code(self, n, village=None):
        return "%s%03d" % (village or self.args.scope, n)

    def neighbour(self):
        s = self.args.scope
        return "%0*d" % (len(s), int(s) + 1)

    def x_change(self, seq=1, prev=bytes(32), region=None, n=None, ident=None, flip=False):
        ident = ident or self.x
        n = n if n is not None else 700 + seq
        code = region or self.code(n)
        ch = rp.courtyard_change(ident, seq, prev, code)
        return rp.signed(ident, ch, flip=flip), ch

    @staticmethod
    def key_entry(pk, scope, role=ROLE_NODE):
        return encode({1: [pk], 2: [scope.encode()], 3: [role]})

    def inject(self, body):
        """-> (changes, keys) to append to a Batch for the batch-* scenarios."""
        sc, scope = self.sc, self.args.scope
        vouch = [self.key_entry(self.x.pk, scope)]
        if sc == "batch-good":
            return [self.x_change()[0]], vouch
        if sc == "batch-bad-sig":
            return [self.x_change(flip=True)[0]], vouch
        if sc == "batch-unvouched":
            return [self.x_change()[0]], []
        if sc == "batch-key-scope":
            return [self.x_change()[0]], [self.key_entry(self.x.pk, self.neighbour())]
        if sc == "batch-auditor":
            return [self.x_change()[0]], [self.key_entry(self.x.pk, scope, ROLE_AUDITOR)]
        if sc == "batch-outside":
            return ([self.x_change(region=self.code(701, self.neighbour()))[0]],
                    [self.key_entry(self.x.pk, scope[:9])])
        if sc == "batch-equivocation":
            return [self.x_change(n=701)[0], self.x_change(n=702)[0]], vouch
        if sc == "batch-bad-prev":
            wrong = hashlib.sha256(b"not the hash of seq 1").digest()
            return [self.x_change()[0], self.x_change(seq=2, prev=wrong)[0]], vouch
        own = [self.key_entry(self.node.pk, scope)]
        if sc == "batch-own-gap":
            seq = self.head_seq + 2
            return [self.x_change(seq=seq, prev=hashlib.sha256(b"x").digest(), ident=self.node)[0]], own
        if sc == "batch-own-fork":
            return [self.x_change(seq=1, n=799, ident=self.node)[0]], own
        raise SystemExit("fakehub: unknown scenario '%s'" % sc)

    # -- alterations --------------------------------------------------------------------------

    def alter(self, req_name, req, name, body):
        """Alter the hub's answer (name, body) to the node's request; -> the body to send."""
        sc = self.sc
        if name == "welcome":
            self.head_seq = one(body, 2, 0)
            if sc in ("welcome-no-checkpoint", "strip"):
                had = 8 in body
                body.pop(8, None)
                body.pop(9, None)
                self.applied(msg="welcome", had_checkpoint=had)
            elif sc == "welcome-log-size" and self.hello_since > 0:
                body[4] = [self.hello_since - 1]
                self.applied(msg="welcome", log_size=self.hello_since - 1)
            elif sc == "welcome-head":
                body[2] = [self.head_seq + 1]
                body[3] = [hashlib.sha256(b"a change the node never wrote").digest()]
                self.applied(msg="welcome", head_seq=self.head_seq + 1)
            elif sc == "welcome-scope":
                body[1] = [self.args.scope[:9].encode()]
                self.applied(msg="welcome", scope=self.args.scope[:9])
            elif sc == "welcome-compress" and not self.hello_compress & 1:
                body[18] = [1]
                self.applied(msg="welcome", compress=1, hello_compress=self.hello_compress)
        elif name == "ack":
            note = one(body, 5)
            if sc in ("strip", "strip-ack"):
                for f in (5, 6, 7, 8):
                    body.pop(f, None)
                self.applied(msg="ack", had_checkpoint=note is not None)
            elif note is not None and sc.startswith("ack-"):
                text = note_text(note)
                if sc == "ack-resign":
                    origin, size, root = checkpoint_fields(text)
                    new = note_sign(checkpoint_text(origin, size, root), self.origin, self.hub)
                    body[5] = [new]
                    self.applied(msg="ack", size=size, identical=(new == note))
                elif sc == "ack-other-key":
                    body[5] = [note_sign(text, self.origin, rp.Identity(os.urandom(32)))]
                    self.applied(msg="ack")
                elif sc == "ack-bad-sig":
                    # the hub's own signature line (its key name and key ID) with one bit flipped
                    prefix, b64 = note[len(text) + 1:].decode().rstrip("\n").rsplit(" ", 1)
                    raw = bytearray(base64.b64decode(b64))
                    raw[20] ^= 0x01
                    body[5] = [text + b"\n" + (prefix + " ").encode() + base64.b64encode(bytes(raw)) + b"\n"]
                    self.applied(msg="ack", key_id=raw[:4].hex())
                elif sc == "ack-range":
                    rng = body.get(7, [])
                    if rng:
                        first = bytearray(rng[0])
                        first[0] ^= 0xFF
                        body[7] = [bytes(first)] + rng[1:]
                    else:
                        body[7] = [hashlib.sha256(b"no such subtree").digest()]
                    self.applied(msg="ack", range_hashes=len(rng))
                elif sc == "ack-first-leaf":
                    body[6] = [one(body, 6, 0) - 1]
                    self.applied(msg="ack", first_leaf=one(body, 6))
        elif name == "batch":
            if sc == "batch-backwards" and one(req, 1, 0) > 0:
                since = one(req, 1, 0)
                body = {1: [since], 2: [since - 1], 5: [1]}
                self.applied(msg="batch", since=since, next=since - 1)
            elif sc == "batch-beyond":
                body.pop(6, None)
                body.pop(7, None)
                body[2] = [one(body, 2, 0) + 1]
                self.applied(msg="batch", next=body[2][0])
            elif sc == "batch-no-index":
                if body.get(3):
                    body.pop(8, None)
                    self.applied(msg="batch", real_changes=len(body[3]))
            elif sc.startswith("batch-") and sc != "batch-backwards" and not self.injected:
                changes, keys = self.inject(body)
                body.setdefault(3, []).extend(changes)
                # one rising log index per change (field 8, packed), after since
                since = one(body, 1, 0)
                body[8] = [encode_packed(range(since + 1, since + 1 + len(body[3])))]
                body[2] = [max(one(body, 2, 0), since + len(body[3]))]
                if keys:
                    body.setdefault(4, []).extend(keys)
                self.injected = True
                self.applied(msg="batch", real_changes=len(body[3]) - len(changes), injected=len(changes),
                             keys=len(keys), x=self.x.pk.hex())
        return body

    def serve(self):
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        self.log(event="listening", port=self.port, scenario=self.sc, hub_key=self.hub.pk.hex(),
                 upstream=self.args.upstream)
        while True:
            if not poller.poll(200):
                continue
            frames = self.router.recv_multipart()
            if len(frames) != 2:
                self.log(event="dropped", frames=len(frames))
                continue
            rid, data = frames
            req_name, req = open_envelope(data)
            what = {}
            if req_name == "hello":
                what = {"compress": one(req, 5, 0)}
            elif req_name == "push":
                what = {"changes": len(req.get(2, [])), "zchanges": 4 in req}
            self.log(dir="node->hub", msg=req_name, bytes=len(data), **what)
            if req_name == "hello":
                self.hello_since = one(req, 2, 0)
                self.hello_compress = one(req, 5, 0)
                # the relay does not ask the real hub to compress (docs/protocol.md 13.22): its
                # Batches stay plain changes this script can alter, and so do the node's Pushes;
                # welcome-compress alters no Batch and relays the Hello as it is
                if 5 in req and self.sc != "welcome-compress":
                    del req[5]
                    data = close_envelope("hello", req)
            self.up.send(data)
            if not self.up.poll(10000):
                self.log(event="no answer from the real hub", to=req_name)
                continue
            reply = self.up.recv()
            name, body = open_envelope(reply)
            if name in ("welcome", "ack", "batch"):
                body = self.alter(req_name, req, name, body)
                reply = close_envelope(name, body)
            self.log(dir="hub->node", msg=name, bytes=len(reply))
            self.router.send_multipart([rid, reply])

    def close(self):
        self.router.close(0)
        self.up.close(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--key-file", required=True, help="the hub.key whose CURVE keys this hub uses")
    ap.add_argument("--upstream", required=True, help="the real hub's endpoint")
    ap.add_argument("--upstream-key", help="the real hub's public key (default: that of --key-file)")
    ap.add_argument("--node-key-file", required=True, help="the node.key the relay authenticates with")
    ap.add_argument("--scope", required=True, help="the node's scope")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("scenario", choices=SCENARIOS)
    args = ap.parse_args()
    try:
        fh = FakeHub(args)
    except (OSError, ValueError) as e:
        print("fakehub: %s" % e, file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % fh.port)
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        fh.serve()
    finally:
        fh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
