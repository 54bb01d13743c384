/*  hub_usage -- shouhe-hub's --help text (hub.h), kept apart from
    hub_main.c so that the command line's code stays under 1,000 lines.
*/
#include <stdio.h>

#include "hub.h"
#include "sh_i18n.h"

#ifndef SH_CONF_DIR
#define SH_CONF_DIR "/etc/shouhe"
#endif

void
hub_usage (FILE *f)
{
    //  TRANSLATORS: option names, placeholders (DIR, CODE, HEX, N, FILE ...),
    //  command words and file names stay; the help column starts at 45.
    fprintf (f, _(
        "usage: shouhe-hub COMMAND --dir DIR [OPTIONS]\n\n"
        "The district hub of shouhe: admits enrolled nodes, verifies and merges their signed\n"
        "change logs and serves each node what its scope needs.\n\n"
        "commands:\n"
        "  shouhe-hub init --dir DIR                 create the hub store and DIR/hub.key; print the key\n"
        "  shouhe-hub key --dir DIR                  print the hub's public key (64 hex digits)\n"
        "  shouhe-hub enroll --dir DIR --scope CODE --key HEX [--role node|auditor|witness|mirror]\n"
        "                    [--name TEXT] [--quota-changes-per-day N] [--quota-bytes N]\n"
        "                                            quotas: new changes per UTC day (default 20000)\n"
        "                                            and bytes of the node's changes held (default\n"
        "                                            32M; K, M, G suffixes); 0: no limit\n"
        "  shouhe-hub quota --dir DIR --key HEX [--changes-per-day N] [--bytes N]\n"
        "                                            change a node's quotas; print them and its usage\n"
        "  shouhe-hub revoke --dir DIR --key HEX     refuse the key from now on (open sessions too)\n"
        "  shouhe-hub unblock --dir DIR --key HEX    accept changes again from a key blocked after\n"
        "                                            an equivocation\n"
        "  shouhe-hub nodes --dir DIR [--json]       enrolled keys, scope, last seen, log head, quotas\n"
        "  shouhe-hub digest --dir DIR [--scope CODE]  SHA-256 of the merged state\n"
        "  shouhe-hub checkpoint --dir DIR [--vkey]  the latest signed tree head (C2SP checkpoint in a\n"
        "                                            signed note); --vkey: the key to verify it with\n"
        "  shouhe-hub export --dir DIR FILE          write the registry, every change, the evidence and\n"
        "                                            every checkpoint to FILE (new) for shouhe-audit\n"
        "  shouhe-hub report --dir DIR [--town CODE | --village CODE] [--since DATE]\n"
        "                    [--date TODAY] [--format text|csv|json|svg|html|xlsx]\n"
        "                    [--excel] [--output FILE]\n"
        "                                            district, town or village report (formats and\n"
        "                                            JSON shape: docs/reports.md); --date: the day open\n"
        "                                            big matters are 30 days old against (default\n"
        "                                            today); html: one self-contained page; xlsx:\n"
        "                                            an Excel workbook (needs --output FILE);\n"
        "                                            --excel: CSV with a UTF-8 byte-order mark, CR LF\n"
        "  shouhe-hub backup --dir DIR DEST          a consistent copy of the hub (store and key) into\n"
        "                                            the new directory DEST, while it serves; a hub\n"
        "                                            started from DEST recovers what came after from\n"
        "                                            its nodes (docs/operations.md)\n"
        "  shouhe-hub recover --dir DIR [--abandon-tail]  finish a recovery (the hub stopped); with\n"
        "                                            --abandon-tail give up the entries no node holds\n"
        "                                            and begin a new, signed epoch\n"
        "  shouhe-hub compact --dir DIR              rewrite the store (the hub stopped) so that what was\n"
        "                                            deleted or erased is gone from its files\n"
        "  shouhe-hub serve --dir DIR --bind ENDPOINT [--ready-file FILE] [--threads N] [--verbose]\n"
        "                  [--map-mib N] [--reserve-mib N] [--sync-mirror] [--retain-every S]\n"
        "                                            serve in the foreground until SIGINT/SIGTERM;\n"
        "                                            --map-mib: the store's size limit (default 16384);\n"
        "                                            --reserve-mib: room kept free in the map and on\n"
        "                                            the disk, below which pushes are refused (default\n"
        "                                            2 %% of the map, at least 64, at most 1/8 of it);\n"
        "                                            --sync-mirror: acknowledge a push only once a\n"
        "                                            mirror has cosigned a checkpoint covering it;\n"
        "                                            --retain-every: apply the retention rules every\n"
        "                                            S seconds (default 3600) and at start\n"
        "  shouhe-hub mirror --dir MDIR --init --name NAME\n"
        "                                            make a mirror (MDIR/mirror.key); print its key,\n"
        "                                            to enrol with --role mirror --name NAME\n"
        "  shouhe-hub mirror --dir MDIR --hub ENDPOINT --hub-key HEX [--watch] [--verbose]\n"
        "                                            copy every new leaf of the hub's log, verify it,\n"
        "                                            cosign the newest checkpoint held in full, and\n"
        "                                            hand the leaves back to a hub restored from an\n"
        "                                            older backup; --watch: until SIGINT/SIGTERM\n"
        "  shouhe-hub retention --dir DIR [--kind mediation|matter --years N [--scope CODE]]\n"
        "                       [--apply] [--json]\n"
        "                                            retention rules (docs/privacy.md): serve erases a\n"
        "                                            mediation's summary N years after its date, a\n"
        "                                            matter's notes N years after it closed, by marks\n"
        "                                            signed by DIR/housekeeper.key (at start, hourly);\n"
        "                                            --years 0 removes a rule; --apply: a pass now\n"
        "                                            (the hub stopped)\n\n"
        "every command also takes --config FILE: options as 'key = value' lines (default\n"
        "%s/hub.conf when it exists; shouhe.conf(5)); the command line wins over the file\n\n"
        "exit codes: 0 done, 1 refused, 2 wrong command line, 3 store error, 4 cannot serve\n"), SH_CONF_DIR);
}
