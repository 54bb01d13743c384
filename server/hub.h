/*  hub -- the district hub daemon's context (hub_t) and its serving loop.

    hub_t is built by hub_main.c from the command line and owns the store,
    the hub key and the ZeroMQ sockets; nothing is global but the
    interrupt flag czmq keeps. hub_serve runs one zloop: a ROUTER (CURVE
    server, key derived from the hub's Ed25519 key) for nodes, a REP on
    inproc://zeromq.zap.01 answering ZAP requests from the registry, and a
    timer that expires idle sessions. What the hub does with each message
    is hub_handler's (hub_handler.h). A revoked key's open session ends at
    its next message (every Push and Pull re-reads the registry).
    Every message is one shouhe.v1.Envelope (docs/protocol.md, "Wire
    protocol"); a peer that misbehaves gets an Error and never disturbs
    the others.
*/
#ifndef HUB_H
#define HUB_H

#include <stdbool.h>
#include <stdint.h>

#include "sh_hubid.h"
#include "sh_log.h"
#include "sh_store.h"

typedef struct {
    const char *dir;          //  hub directory (borrowed from argv)
    const char *bind;         //  endpoint to bind
    const char *ready_file;   //  where to write the bound endpoint, or NULL
    int threads;              //  signature-verifying threads
    bool verbose;             //  log every session event
    bool quiet;               //  log nothing from the handlers (fuzzing)
    unsigned fail_send;       //  fault point (tests): the reply that counts it to 0 is dropped
} hub_config_t;

#define HUB_KEY_FILE "hub.key"

//  One line on stderr: "<UTC time> shouhe-hub <level>: <message>" (sh_log).
#define hub_log(level, ...) sh_log ("shouhe-hub", (level), __VA_ARGS__)

//  Run the hub until SIGINT/SIGTERM as hub (its key set: sh_hubid_init_key).
//  store and hub are borrowed. Returns 0 on a clean stop, non-zero (after
//  logging why) if it cannot serve.
int hub_serve (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hub);

#endif
