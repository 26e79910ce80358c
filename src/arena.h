/* Memory: a bump arena (one per document, reset between documents) and a growable
 * vector helper. Nothing allocated from an arena is freed on its own. */
#ifndef QUARRY_ARENA_H
#define QUARRY_ARENA_H

#include <stddef.h>
#include <string.h>

#include "hash.h"   /* hash_bytes: token and lexicon keys */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} arena_chunk;

typedef struct arena {
    arena_chunk *head;   /* current chunk; older ones follow */
    size_t total;        /* bytes reserved in all chunks, for stats */
} arena;

void arena_init(arena *a);
/* Frees every chunk but the largest, which is kept for reuse. */
void arena_reset(arena *a);
void arena_free(arena *a);
/* 16-byte aligned, NULL only when out of memory. */
void *arena_alloc(arena *a, size_t n);
void *arena_zalloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);

/* A growable array: VEC(T) v = {0}; VEC_PUSH(&v, x) returns 0 on success, -1 when out of
 * memory. Growth doubles. Memory from malloc; free with VEC_FREE. */
#define VEC(T) struct { T *v; size_t n, cap; }
int vec_grow_(void **v, size_t *cap, size_t need, size_t elsize);
#define VEC_RESERVE(vec, need) \
    ((need) <= (vec)->cap ? 0 : vec_grow_((void **)&(vec)->v, &(vec)->cap, (need), sizeof *(vec)->v))
#define VEC_PUSH(vec, x) \
    (VEC_RESERVE((vec), (vec)->n + 1) ? -1 : ((vec)->v[(vec)->n++] = (x), 0))
#define VEC_FREE(vec) (free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

/* A growable byte buffer. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;
int buf_append(buf *b, const char *s, size_t n);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void buf_free(buf *b);

#endif
