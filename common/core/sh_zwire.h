/*  sh_zwire -- changes compressed for the wire (docs/protocol.md 13.22).

    A Push or a Batch may carry its SignedChanges as one zstd frame
    (Push.zchanges, Batch.zchanges) instead of one byte string each, when
    the Hello and the Welcome agreed on it. Before compression each change
    is written as an entry that leaves out what the receiver can rebuild:
    the author when it is the previous entry's, and prev when the previous
    entry is the same author's change seq - 1 (prev is then the SHA-256 of
    that change). The receiver rebuilds every SignedChange byte for byte;
    signatures, hashes, the log store and the export see only the
    canonical bytes. The openings of the changes' seals (docs/protocol.md
    7.10) travel inside the same frame, after the changes.

    Decoding bounds what a peer can make us inflate: the frame must declare
    its content size, which must be at most max_bytes and at most
    SH_ZWIRE_RATIO_MAX times the frame; the rebuilt changes together must
    also fit in max_bytes, and there are at most max_changes of them.

    Stateless and thread-safe. Only this module includes zstd.h.
*/
#ifndef SH_ZWIRE_H
#define SH_ZWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

#define SH_ZWIRE_ZSTD 1u            //  Hello.compress bit / Welcome.compress value: zstd-v1
#define SH_ZWIRE_RATIO_MAX 64u      //  largest content size / frame size accepted
#define SH_ZWIRE_LEVEL 3            //  zstd level the encoder uses
#define SH_ZWIRE_TABLE_LOG 15       //  ... with hash and chain tables of 2^15 entries: a Push's frame
                                    //  compresses as with level 3's own (2^17, 2^16) and a village's
                                    //  device keeps 0.3 MiB less (bench/README.md, node_rss_mib)

//  Bytes held elsewhere (sh_wire_bytes_t is this type).
typedef struct {
    const uint8_t *data;    //  bytes (borrowed)
    size_t len;             //  their length
} sh_zwire_bytes_t;

//  An opening of a sealed field (wire.proto Opening; sh_wire_opening_t is
//  this type).
typedef struct {
    uint32_t change;                    //  index in the message's changes
    uint32_t field;                     //  the sealed field
    const uint8_t *salt;                //  32 bytes (borrowed)
    const uint8_t *value;               //  the field's encoding (borrowed)
    size_t value_len;
} sh_zwire_opening_t;

//  Compress the n SignedChanges and the n_openings openings (each naming
//  one of them) into one frame in a new buffer the caller owns (free()).
//  SH_EINVAL when n is 0 or an opening names no change, SH_ENOMEM.
SH_NODISCARD sh_err sh_zwire_encode (const sh_zwire_bytes_t *changes, size_t n,
                                     const sh_zwire_opening_t *openings, size_t n_openings,
                                     uint8_t **out, size_t *out_len);

//  Rebuilt changes: changes[i] points into arena; the openings into plain.
typedef struct {
    uint8_t *arena;     //  owned
    sh_zwire_bytes_t *changes;      //  owned array, n entries
    size_t n;
    uint8_t *plain;     //  owned: the frame's content
    sh_zwire_opening_t *openings;   //  owned array, n_openings entries
    size_t n_openings;
} sh_zwire_changes_t;

//  Decode a frame of in_len bytes into *out (zeroed first). SH_EPROTO with
//  a static reason in *why (when why is not NULL) for a frame that breaks
//  a rule or a bound, SH_ENOMEM. On success call sh_zwire_changes_fini.
SH_NODISCARD sh_err sh_zwire_decode (const uint8_t *in, size_t in_len, size_t max_bytes,
                                     size_t max_changes, sh_zwire_changes_t *out,
                                     const char **why);

//  Free what decode allocated. Idempotent.
void sh_zwire_changes_fini (sh_zwire_changes_t *c);

#endif
