/*  sh_who -- who acted and when (issue 13): the name a store knows for an
    author key, and the "who" and "at" of the events a view shows.

    "who" is the label the key was enrolled with (sh_registry, KeyEntry
    name) when the store knows one, else the key's first 8 hex digits;
    "at" is the UTC time of the event's hybrid logical clock
    ("YYYY-MM-DD HH:MM:SSZ", from sh_hlc_ms), the time the author's node
    wrote it, beside the event's own date (the day it happened, as entered).

    Stateless; reads through a transaction the caller borrows it.
*/
#ifndef SH_WHO_H
#define SH_WHO_H

#include <stdint.h>

#include <jansson.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

//  Room for a name: an enrolled label (63 bytes at most) and its NUL.
#define SH_WHO_BYTES 64
//  Room for "YYYY-MM-DD HH:MM:SSZ" and its NUL.
#define SH_WHO_AT_BYTES 24

//  Add "who" and "at" to every object of events that has "author" (64 hex
//  digits) and "hlc" (integer); events is borrowed, txn too. SH_ENOMEM when
//  a member cannot be added.
SH_NODISCARD sh_err sh_who_annotate (sh_store_txn_t *txn, json_t *events);

#endif
