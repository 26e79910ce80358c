/* The shipped rules/ tree, compiled into the library by tools/embed.c at build time. */
#ifndef QUARRY_EMBED_H
#define QUARRY_EMBED_H
#include <stddef.h>

typedef struct embed_file {
    const char *path;   /* "rules/people.rules"; NULL ends the table */
    const char *data;   /* NUL-terminated */
    size_t len;
} embed_file;

extern const embed_file quarry_embedded[];

/* The embedded file at path (after normalising "./" and "a/../"), or NULL. */
const embed_file *embed_find(const char *path);

#endif
