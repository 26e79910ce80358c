/* Memory: bump arena and growable buffers (see arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define ARENA_MIN_CHUNK (64u * 1024u)

void arena_init(arena *a) { a->head = NULL; a->total = 0; }

void arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void arena_reset(arena *a)
{
    arena_chunk *keep = NULL;
    for (arena_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        if (!keep || c->cap > keep->cap) {
            if (keep) free(keep);
            keep = c;
        } else {
            free(c);
        }
    }
    a->head = keep;
    a->total = 0;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        a->total = keep->cap;
    }
}

void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) n = 16;
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = ARENA_MIN_CHUNK;
        if (c && c->cap * 2 > cap) cap = c->cap * 2;
        if (cap < n) cap = n;
        if (cap > ((size_t)1 << 26) && n < ((size_t)1 << 26)) cap = (size_t)1 << 26;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void *arena_zalloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int vec_grow_(void **v, size_t *cap, size_t need, size_t elsize)
{
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > ((size_t)-1) / 2 / elsize) return -1;
        nc *= 2;
    }
    void *p = realloc(*v, nc * elsize);
    if (!p) return -1;
    *v = p;
    *cap = nc;
    return 0;
}

int buf_append(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n + 1) nc *= 2;
        char *p = realloc(b->p, nc);
        if (!p) return -1;
        b->p = p;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

int buf_putc(buf *b, char c) { return buf_append(b, &c, 1); }

int buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof tmp) return buf_append(b, tmp, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int r = buf_append(b, big, (size_t)n);
    free(big);
    return r;
}

void buf_free(buf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }
