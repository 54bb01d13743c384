/*  sh_wire -- the envelopes of the sync protocol (docs/protocol.md, "Wire
    protocol"), converted between shouhe.v1.Envelope bytes and plain C.

    One Envelope travels per ZeroMQ message. Decoding checks the size
    before unpacking, unpacks with protobuf-c, checks every field's range
    (key and hash lengths, scope digits, counts against the limits) and the
    protocol version, and fills an sh_wire_msg_t. Pushed and batched
    changes are handed over as (pointer, length) pairs into the decoded
    message: they stay valid until sh_wire_msg_fini. Changes that came
    compressed (zchanges, sh_zwire) are rebuilt by the decode and handed
    over the same way; the uncompressed content obeys the same max_bytes. A message filled in by
    hand for encoding borrows everything it points to and needs no fini.

    Only this module includes wire.pb-c.h. Stateless and thread-safe.
*/
#ifndef SH_WIRE_H
#define SH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_zwire.h"

#define SH_WIRE_VERSION 1
#define SH_WIRE_MAX_BYTES (4u << 20)        //  largest Envelope either side accepts
#define SH_WIRE_MAX_CHANGES 2048            //  most changes in one Push or Batch
#define SH_WIRE_MAX_KEYS 4096               //  most key entries in one Batch
#define SH_WIRE_MESSAGE_MAX 240             //  longest Error message kept
#define SH_WIRE_NOTE_MAX 8192               //  longest checkpoint note (cosignatures included)
#define SH_WIRE_COSIG_LINE_MAX 600          //  longest cosignature line (a 255-byte name, 100 base64)
#define SH_WIRE_PROOF_MAX 65                //  most hashes in a proof or range
#define SH_WIRE_CHUNK_MAX (1u << 20)        //  largest Chunk of an export
#define SH_WIRE_PROVE_MAX 1024              //  most changes one Proof proves
#define SH_WIRE_RUNS_MAX 64                 //  most runs in one Proof
#define SH_WIRE_RUN_HASHES_MAX 128          //  most hashes in one run: two compact ranges

typedef enum {
    SH_WIRE_NONE = 0,
    SH_WIRE_HELLO = 2,      //  values are the Envelope field numbers
    SH_WIRE_WELCOME = 3,
    SH_WIRE_PUSH = 4,
    SH_WIRE_ACK = 5,
    SH_WIRE_PULL = 6,
    SH_WIRE_BATCH = 7,
    SH_WIRE_ERROR = 8,
    SH_WIRE_PING = 9,
    SH_WIRE_PONG = 10,
    SH_WIRE_FETCH = 11,
    SH_WIRE_CHUNK = 12,
    SH_WIRE_PROVE = 13,
    SH_WIRE_PROOF = 14,
    SH_WIRE_OFFER = 15,
    SH_WIRE_TAKEN = 16,
    SH_WIRE_WITNESS = 17,
    SH_WIRE_TO_COSIGN = 18,
    SH_WIRE_COSIGNED = 19,
    SH_WIRE_COSIGN_TAKEN = 20
} sh_wire_type_t;

//  Values of shouhe.v1.ErrorCode (kept equal by a static assertion).
typedef enum {
    SH_WIRE_ERR_MALFORMED = 1, SH_WIRE_ERR_VERSION = 2, SH_WIRE_ERR_NOT_ENROLLED = 3,
    SH_WIRE_ERR_REVOKED = 4, SH_WIRE_ERR_SIGNATURE = 5, SH_WIRE_ERR_CHAIN = 6,
    SH_WIRE_ERR_AUTHOR = 7, SH_WIRE_ERR_SCOPE = 8, SH_WIRE_ERR_TOO_LARGE = 9,
    SH_WIRE_ERR_EQUIVOCATION = 10, SH_WIRE_ERR_BLOCKED = 11, SH_WIRE_ERR_BODY = 12,
    SH_WIRE_ERR_SESSION = 13, SH_WIRE_ERR_ROLE = 14, SH_WIRE_ERR_INTERNAL = 15,
    SH_WIRE_ERR_CREDIT = 16, SH_WIRE_ERR_RECOVERING = 17, SH_WIRE_ERR_QUOTA = 18,
    SH_WIRE_ERR_STORE_FULL = 19, SH_WIRE_ERR_LEAD = 20
} sh_wire_error_t;

//  Values of shouhe.v1.PeerRole.
typedef enum { SH_WIRE_ROLE_NODE = 1, SH_WIRE_ROLE_AUDITOR = 2, SH_WIRE_ROLE_WITNESS = 3,
               SH_WIRE_ROLE_MIRROR = 4 } sh_wire_role_t;

//  Bytes held elsewhere: data (borrowed) and len.
typedef sh_zwire_bytes_t sh_wire_bytes_t;

typedef struct {
    uint8_t key[SH_PUBKEY_BYTES];       //  Ed25519 public key
    char scope[SH_REGION_MAX + 1];      //  enrolled scope
    sh_wire_role_t role;                //  node or auditor
    const char *name;                   //  or NULL (borrowed)
    bool revoked;                       //  revoked at the hub
} sh_wire_key_t;

//  One run of a Proof (docs/protocol.md 13.5): the node's changes
//  first_seq .. first_seq + count - 1 are the leaves first_leaf .. first_leaf
//  + count - 1 of the tree of the Proof's checkpoint_size; hashes: the left
//  compact range of [0, first_leaf), then the compact range of
//  [first_leaf + count, checkpoint_size).
typedef struct {
    uint64_t first_seq;                 //  first change of the run
    uint32_t count;                     //  changes in it (>= 1)
    uint64_t first_leaf;                //  leaf index of its first change
    size_t n_hashes;                    //  hashes in the two ranges
    uint8_t (*hashes)[SH_HASH_BYTES];   //  the ranges (borrowed)
} sh_wire_run_t;

//  An Opening (wire.proto): a sealed field's opening beside change number
//  change of the same message (sh_seal; docs/protocol.md 7.10): change,
//  field, salt (32 bytes, borrowed), value and value_len (borrowed).
typedef sh_zwire_opening_t sh_wire_opening_t;

typedef struct {
    sh_wire_type_t type;                //  which body
    uint32_t version;                   //  protocol version (encode: 0 means SH_WIRE_VERSION)
    union {
        struct { uint8_t node[SH_PUBKEY_BYTES]; uint64_t since; uint64_t checkpoint_size;
                 uint64_t nonce;
                 uint32_t compress; } hello;                  //  sh_zwire bits (0: absent)
        struct { char scope[SH_REGION_MAX + 1]; uint64_t head_seq; uint8_t head_hash[SH_HASH_BYTES];
                 uint64_t log_size; uint32_t credit, max_changes, max_bytes;
                 const char *checkpoint;                      //  or NULL
                 size_t n_consistency; uint8_t (*consistency)[SH_HASH_BYTES];
                 uint64_t nonce;
                 bool recovering; uint64_t recovery_target;   //  the hub recovers a lost tail
                 uint64_t recovery_base;                      //  with recovering: the tree size it began
                                                              //  at (sent with recovering; decoded as
                                                              //  log_size when absent)
                 const char *epoch;                           //  or NULL
                 const char *witnessed;                       //  or NULL: the newest cosigned checkpoint
                 size_t n_witnessed_consistency;              //  and the proof from it to checkpoint
                 uint8_t (*witnessed_consistency)[SH_HASH_BYTES];
                 uint64_t hub_ms;                             //  hub_ms: 0 when absent
                 uint32_t compress; } welcome;                //  SH_ZWIRE_ZSTD or 0 (absent)
        struct { uint64_t batch; size_t n; sh_wire_bytes_t *changes;
                 size_t n_openings; sh_wire_opening_t *openings;
                 bool compress;                               //  encode: as zchanges (sh_zwire)
                 size_t zlen; } push;                         //  decode: zchanges' bytes (0: plain)
        struct { uint64_t batch, head_seq; uint32_t accepted, duplicates;
                 const char *checkpoint;                      //  or NULL
                 uint64_t first_leaf;
                 size_t n_range; uint8_t (*range)[SH_HASH_BYTES];
                 size_t n_consistency; uint8_t (*consistency)[SH_HASH_BYTES]; } ack;
        struct { uint64_t since; uint32_t max; uint64_t own_from; } pull;    //  own_from 0: absent
        struct { uint64_t since, next; size_t n; sh_wire_bytes_t *changes;
                 size_t n_keys; sh_wire_key_t *keys; bool done; bool own;
                 const char *checkpoint;                      //  or NULL
                 size_t n_consistency; uint8_t (*consistency)[SH_HASH_BYTES];
                 size_t n_indexes; uint64_t *indexes;         //  n_indexes: 0 or n
                 size_t n_openings; sh_wire_opening_t *openings;
                 bool compress;                               //  encode: as zchanges (sh_zwire)
                 size_t zlen; } batch;                        //  decode: zchanges' bytes (0: plain)
        struct { sh_wire_error_t code; char message[SH_WIRE_MESSAGE_MAX + 1];
                 bool has_batch; uint64_t batch; bool has_position; uint32_t position; } error;
        struct { uint64_t nonce; } ping;    //  also pong
        struct { uint64_t offset; uint32_t max; } fetch;
        struct { uint64_t offset, total; const uint8_t *data; size_t len; } chunk;
        struct { uint64_t first_seq; uint32_t count; } prove;
        struct { uint64_t first_seq, checkpoint_size; size_t n_runs; sh_wire_run_t *runs; } proof;
        struct { const char *checkpoint;                      //  or NULL
                 size_t n; sh_wire_bytes_t *leaves; uint64_t *positions; bool last;
                 size_t n_openings; sh_wire_opening_t *openings; } offer;   //  change: index in leaves
        struct { uint32_t taken; uint64_t size, target; bool recovering;
                 uint64_t missing_from, missing_to; } taken;
        struct { uint8_t witness[SH_PUBKEY_BYTES]; uint64_t old_size; } witness;
        struct { const char *checkpoint; uint64_t old_size;
                 size_t n_consistency; uint8_t (*consistency)[SH_HASH_BYTES]; } to_cosign;
        struct { uint64_t size; const char *line; } cosigned;
        struct { uint64_t size; uint32_t cosignatures; } cosign_taken;
    } u;
    void *pb_;                          //  decoded Envelope and arrays (owned after decode)
} sh_wire_msg_t;

//  Decode one Envelope of at most max_bytes. SH_EPROTO (malformed, with a
//  static reason in *why when why is not NULL) or SH_EVERSION (msg->version
//  holds the peer's version). On success call sh_wire_msg_fini.
SH_NODISCARD sh_err sh_wire_decode (sh_wire_msg_t *msg, const uint8_t *buf, size_t len,
                                    size_t max_bytes, const char **why);

//  sh_wire_decode with an allocation fault point (tests): when fail_alloc
//  is not NULL and *fail_alloc > 0, each allocation of the decode counts it
//  down and the one that brings it to 0 fails; the decode then returns
//  SH_ENOMEM having freed everything. *fail_alloc still > 0 afterwards
//  means the decode made fewer allocations than that.
SH_NODISCARD sh_err sh_wire_decode_fault (sh_wire_msg_t *msg, const uint8_t *buf, size_t len,
                                          size_t max_bytes, const char **why, unsigned *fail_alloc);

//  Free what decode allocated. Idempotent.
void sh_wire_msg_fini (sh_wire_msg_t *msg);

//  Encode msg into a new buffer the caller owns (free()). SH_ENOMEM, or
//  SH_EINVAL if msg is not well-formed (our bug, but checked).
SH_NODISCARD sh_err sh_wire_encode (const sh_wire_msg_t *msg, uint8_t **out, size_t *out_len);

//  Exact encoded size of a Push or Batch body growing by one change of
//  change_len bytes (for filling batches up to a byte limit).
size_t sh_wire_change_overhead (size_t change_len);

//  Name of a message type ("hello") and of an error code ("ERR_CHAIN").
const char *sh_wire_type_name (sh_wire_type_t type);
const char *sh_wire_error_name (sh_wire_error_t code);

//  Cut a NUL-terminated text that may have been truncated by bytes (a
//  message cut at SH_WIRE_MESSAGE_MAX) back to its last whole UTF-8
//  character. Encoding an Error does this to its message.
void sh_wire_utf8_cut (char *text);

#endif
