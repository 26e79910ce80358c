/* Helpers shared by the emitters for people and tools (emit_inline.c, emit_html.c,
 * emit_brat.c, emit_conll.c, emit_tsv.c): text escaping with invalid bytes as U+FFFD, the
 * record filter of QUARRY_EMIT_ENTITIES/QUOTES, and the nesting walk that turns records
 * (which may nest or cross) into well-formed open/close events. */
#ifndef QUARRY_EMIT_UTIL_H
#define QUARRY_EMIT_UTIL_H

#include <stdio.h>

#include "doc.h"

/* 1 when flags select records of r's kind. */
int emit_wanted(const quarry_record *r, unsigned flags);

/* Writes s[0..n) with invalid UTF-8 bytes as U+FFFD (EF BF BD), everything else as is. */
void emit_raw(FILE *out, const char *s, size_t n);

/* Writes s[0..n) escaped for XML/HTML: & < > always; in attributes (attr = 1) also " and
 * tab, LF, CR as character references. Invalid bytes become U+FFFD. */
void emit_xml(FILE *out, const char *s, size_t n, int attr);
void emit_xml_cstr(FILE *out, const char *s, int attr);

/* The walk over the wanted records as properly nested elements.
 * Order: start ascending, end descending, quotes before entities, then record order.
 * Crossing spans (a starts before b, b starts inside a and ends after it): when one is a
 * quote and the other an entity, the entity is dropped; otherwise the one that starts later
 * (the inner one) is dropped. Dropped records are reported to nothing: they are simply not
 * tagged. open/close get the record index; text gets a byte range of the document text
 * (never empty). Returns 0, -1 on OOM. */
typedef struct emit_walk_fns {
    void (*open)(void *ud, size_t rec);
    void (*close)(void *ud, size_t rec);
    void (*text)(void *ud, size_t bstart, size_t bend);
} emit_walk_fns;
int emit_walk(const quarry_doc *doc, unsigned flags, const emit_walk_fns *fns, void *ud);

#endif
