/*  audit_held -- the checkpoints nodes hold, against an export (audit.h;
    docs/protocol.md 13.19 and 15.5).

    audit_held answers
    `shouhe-audit consistency EXPORT --hub-key HEX PATH...`: every
    checkpoint a node directory holds (its receipts), or that a file holds,
    must be a checkpoint of the export's tree -- the root of its first
    `size` changes -- unless an epoch gave that size up (a checkpoint above
    an epoch's base, signed before it, which the node has set aside or
    will at its next sync).
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "sh_epoch.h"
#include "sh_i18n.h"
#include "sh_note.h"
#include "sh_receipts.h"
#include "sh_store.h"

/* --------------------------------------------------------------------------
 * shouhe-audit consistency EXPORT --hub-key HEX PATH...
 * -------------------------------------------------------------------------- */

typedef struct {
    uint64_t size;                     //  a checkpoint held: its size
    uint8_t root[SH_HASH_BYTES];       //  its root
    size_t path;                       //  where it is held (index into the paths)
} s_cp_t;

typedef struct {
    const sh_hubid_t *hub;
    const char *path;                  //  where the checkpoints come from
    size_t path_no;                    //  its index
    s_cp_t *cps;                       //  every checkpoint held (owned)
    size_t n, cap;
    uint64_t faults;                   //  notes that do not open
    bool oom;
} s_held_t;

//  One checkpoint held: kept for the sweep when it opens with the hub key.
static void
s_judge (s_held_t *h, const char *note, size_t len, const char *what)
{
    sh_note_checkpoint_t cp;
    if (sh_hubid_open_checkpoint (h->hub, &cp, note, len) != SH_OK) {
        printf (_("fault: %s: %s is not a checkpoint signed by the hub key\n"), h->path, what);
        h->faults++;
        return;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        s_cp_t *nc = realloc (h->cps, cap * sizeof *nc);
        if (!nc) {
            h->oom = true;
            return;
        }
        h->cps = nc;
        h->cap = cap;
    }
    s_cp_t *c = &h->cps[h->n++];
    c->size = cp.size;
    memcpy (c->root, cp.root, SH_HASH_BYTES);
    c->path = h->path_no;
}

static int
s_by_size (const void *a, const void *b)
{
    const s_cp_t *x = a, *y = b;
    return x->size < y->size ? -1 : x->size > y->size;
}

//  Every checkpoint held against the export's tree, in one sweep over the
//  leaves; those above an epoch's base that differ were given up by it.
static uint64_t
s_sweep (s_held_t *h, const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t n_leaves,
         const audit_report_t *rep, char *const *paths, uint64_t *checked, uint64_t *set_aside)
{
    uint64_t faults = 0;
    if (h->n > 1)
        qsort (h->cps, h->n, sizeof *h->cps, s_by_size);
    audit_tree_t t;
    audit_tree_init (&t);
    for (size_t i = 0; i < h->n; i++) {
        const s_cp_t *c = &h->cps[i];
        uint8_t root[SH_HASH_BYTES];
        bool in_tree = c->size <= n_leaves;
        while (in_tree && t.size < c->size)
            audit_tree_add (&t, leaves[t.size]);
        if (in_tree)
            audit_tree_root (&t, root);
        if (in_tree && memcmp (root, c->root, SH_HASH_BYTES) == 0) {
            (*checked)++;
            continue;
        }
        const sh_epoch_t *e = NULL;
        for (size_t k = 0; k < rep->n_epochs && !e; k++)
            if (c->size > rep->epochs[k].base)
                e = &rep->epochs[k];
        if (e) {
            printf (_("note: %s: the checkpoint of size %" PRIu64 " was given up by epoch %" PRIu64
                    " (the hub continued from %" PRIu64 " entries)\n"), paths[c->path], c->size, e->epoch,
                    e->base);
            (*set_aside)++;
            continue;
        }
        printf (_("fault: %s: the checkpoint of size %" PRIu64 " %s\n"), paths[c->path], c->size,
                in_tree ? _("has another root than the export's tree of that size: the hub forked its history")
                        : _("is larger than the export's log: the hub lost or dropped entries"));
        faults++;
    }
    return faults;
}

//  sh_receipts_fn: every checkpoint a node holds.
static int
s_node_cp (const sh_receipts_entry_t *e, void *arg)
{
    s_held_t *h = arg;
    char what[96];
    snprintf (what, sizeof what, _("its checkpoint of size %" PRIu64), e->u.checkpoint.size);
    s_judge (h, e->u.checkpoint.note, e->u.checkpoint.note_len, what);
    return 0;
}

static int
s_node_dir (s_held_t *h, const char *dir)
{
    sh_store_t *store;
    sh_err rc = sh_store_open (&store, dir, false, 0);
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_receipts_each (txn, SH_RECEIPTS_CHECKPOINT, s_node_cp, h);
    sh_store_abort (&txn);
    if (store)
        sh_store_close (&store);
    if (rc) {
        fprintf (stderr, _("shouhe-audit: cannot read the node in %s: %s\n"), dir, sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    return SH_EXIT_OK;
}

static int
s_note_file (s_held_t *h, const char *path)
{
    FILE *f = fopen (path, "rb");
    char buf[SH_NOTE_MAX_BYTES + 1];
    size_t len = f ? fread (buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose (f);
    if (!f || len > SH_NOTE_MAX_BYTES) {
        fprintf (stderr, _("shouhe-audit: cannot read a checkpoint note from %s\n"), path);
        return SH_EXIT_STORE;
    }
    s_judge (h, buf, len, _("the checkpoint"));
    return SH_EXIT_OK;
}

int
audit_held (const sh_export_t *ex, const sh_hubid_t *hub, char *const *paths, size_t n)
{
    audit_report_t rep;
    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    memset (&rep, 0, sizeof rep);
    sh_err rc = audit_leaf_hashes (ex, &leaves);
    if (rc == SH_OK)
        rc = audit_epochs (ex, hub, (const uint8_t (*)[SH_HASH_BYTES]) leaves, &rep);
    s_held_t h = { .hub = hub };
    int code = rc ? SH_EXIT_STORE : rep.n_faults ? SH_EXIT_REFUSED : SH_EXIT_OK;
    for (size_t i = 0; i < rep.n_faults; i++)
        printf (_("fault %s: %s: %s\n"), audit_fault_name (rep.faults[i].kind), rep.faults[i].where,
                rep.faults[i].message);
    for (size_t i = 0; i < n && code != SH_EXIT_STORE; i++) {
        struct stat st;
        h.path = paths[i];
        h.path_no = i;
        int c = stat (paths[i], &st) == 0 && S_ISDIR (st.st_mode) ? s_node_dir (&h, paths[i])
                                                                  : s_note_file (&h, paths[i]);
        if (c)
            code = c;
    }
    if (h.oom)
        code = SH_EXIT_STORE;
    uint64_t checked = 0, set_aside = 0, faults = h.faults;
    if (code != SH_EXIT_STORE)
        faults += s_sweep (&h, (const uint8_t (*)[SH_HASH_BYTES]) leaves, sh_export_change_count (ex), &rep,
                           paths, &checked, &set_aside);
    free (leaves);
    free (h.cps);
    audit_report_fini (&rep);
    if (code == SH_EXIT_STORE) {
        fprintf (stderr, _("shouhe-audit: the check could not be made (out of memory, or a node unreadable)\n"));
        return code;
    }
    if (faults) {
        fprintf (stderr, _("shouhe-audit: %" PRIu64 " checkpoint(s) held are not consistent with the export\n"),
                 faults);
        return SH_EXIT_REFUSED;
    }
    if (code)
        return code;
    printf (_("ok: consistent: %" PRIu64 " checkpoint(s) held in %zu place(s) are checkpoints of the export's "
            "tree of %zu changes"), checked, n, sh_export_change_count (ex));
    if (set_aside)
        printf (_("; %" PRIu64 " were given up by an epoch"), set_aside);
    printf ("\n");
    return SH_EXIT_OK;
}
