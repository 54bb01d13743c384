/*  sh_export_int -- what the files of sh_export share (sh_export.c:
    writing exports and documents; sh_export_read.c: reading, the
    accessors, loading documents). Not for other modules.
*/
#ifndef SH_EXPORT_INT_H
#define SH_EXPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_export.h"
#include "sh_registry.h"

#define S_VARINT_MAX 10
#define S_ENROLLMENT_MAX 512          //  largest Enrollment (sh_registry_put's bound)

//  Protobuf wire types.
#define S_WT_VARINT 0
#define S_WT_LEN    2

//  Evidence field numbers (export.proto, Export.Evidence).
#define S_EV_AUTHOR 1
#define S_EV_SEQ    2
#define S_EV_SIDES  3

//  Opening field numbers (wire.proto, Opening).
#define S_OP_CHANGE 1
#define S_OP_FIELD  2
#define S_OP_SALT   3
#define S_OP_VALUE  4

//  Decode one Enrollment strictly (sh_export.h: a canonical encoding, a
//  32-byte key, a valid scope, a known role, a name that fits) into *e.
//  false if it is not one.
bool sh_export_enrollment_decode (sh_registry_entry_t *e, const uint8_t *data, size_t len);

#endif
