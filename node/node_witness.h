/*  node_witness -- a town node as a witness of the hub's checkpoints
    (docs/protocol.md 16): its witness key lives beside the node key as
    DIR/witness.key (0600), its cosigner name in meta witness.name; the
    witness's promise (the checkpoints it cosigned) in the store's witness
    database (sh_witness). `shouhe-node witness init` makes the key
    (node_witness_cmd.c); sync loads it (node_witness_load) and cosigns
    during the session (node_witness.c, node_session_int.h).
*/
#ifndef NODE_WITNESS_H
#define NODE_WITNESS_H

#include "sh_err.h"
#include "sh_key.h"
#include "sh_note.h"
#include "sh_store.h"

#define NODE_WITNESS_KEY "witness.key"      //  the key file in the node's directory
#define NODE_WITNESS_META "witness.name"    //  the meta key of its cosigner name

//  Load DIR's witness key and name, if the node is a witness. SH_OK with
//  *key (caller destroys) and name set; SH_ENOTFOUND when DIR has no
//  witness key (*key NULL); otherwise an error with why (a key file that
//  may not be used, a missing name).
SH_NODISCARD sh_err node_witness_load (const char *dir, sh_store_t *store, sh_key_t **key,
                                       char name[SH_NOTE_NAME_MAX + 1], char *why, size_t why_len);

#endif
