/* A small JSON reader (see json.h): recursive descent, depth-limited, strict UTF-8 kept
 * as is, \u escapes (with surrogate pairs) decoded to UTF-8. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

typedef struct jp {
    const char *s;
    size_t n, i;
    const char *err;
    char *pool;            /* bump allocation for the whole tree */
    size_t used, cap;
    struct chunk { struct chunk *next; } *chunks;
} jp;

static void *jalloc(jp *p, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (p->used + n > p->cap) {
        size_t cap = n > 65536 ? n : 65536;
        struct chunk *c = malloc(sizeof(struct chunk) + 16 + cap);
        if (!c) return NULL;
        c->next = p->chunks;
        p->chunks = c;
        p->pool = (char *)c + 16;
        p->used = 0;
        p->cap = cap;
    }
    void *r = p->pool + p->used;
    p->used += n;
    return r;
}

static void ws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int fail(jp *p, const char *msg) { if (!p->err) p->err = msg; return -1; }

static int hex4(jp *p, unsigned *out)
{
    if (p->i + 4 > p->n) return fail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[p->i++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return fail(p, "bad \\u escape");
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int str(jp *p, char **out, size_t *len)
{
    p->i++;   /* opening quote */
    size_t start = p->i, end = start;
    while (end < p->n && p->s[end] != '"') {
        if (p->s[end] == '\\') end++;
        end++;
    }
    if (end >= p->n) return fail(p, "unterminated string");
    char *o = jalloc(p, end - start + 1);
    if (!o) return fail(p, "out of memory");
    size_t k = 0;
    while (p->i < end) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c < 0x20) return fail(p, "control character in string");
        if (c != '\\') { o[k++] = (char)c; p->i++; continue; }
        p->i++;
        char e = p->s[p->i++];
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (hex4(p, &cp)) return -1;
            if (cp >= 0xD800 && cp < 0xDC00 && p->i + 6 <= end && p->s[p->i] == '\\' &&
                p->s[p->i + 1] == 'u') {
                unsigned lo;
                p->i += 2;
                if (hex4(p, &lo)) return -1;
                if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else cp = 0xFFFD;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            k += put_utf8(o + k, cp);   /* a \uXXXX escape (6 bytes) never needs more */
            break;
        }
        default: return fail(p, "bad escape in string");
        }
    }
    o[k] = '\0';
    p->i = end + 1;
    *out = o;
    *len = k;
    return 0;
}

static int value(jp *p, jval *v, int depth);

static int items(jp *p, jval *v, int depth, int obj)
{
    char close = obj ? '}' : ']';
    p->i++;
    size_t cap = 0;
    jval *kids = NULL;
    char **keys = NULL;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) { p->i++; v->n = 0; return 0; }
    for (;;) {
        if (v->n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            jval *nk = jalloc(p, nc * sizeof *nk);
            char **nkeys = obj ? jalloc(p, nc * sizeof *nkeys) : NULL;
            if (!nk || (obj && !nkeys)) return fail(p, "out of memory");
            if (cap) { memcpy(nk, kids, cap * sizeof *nk); if (obj) memcpy(nkeys, keys, cap * sizeof *nkeys); }
            kids = nk; keys = nkeys; cap = nc;
        }
        ws(p);
        if (obj) {
            if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected a string key");
            size_t kl;
            if (str(p, &keys[v->n], &kl)) return -1;
            ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') return fail(p, "expected ':'");
            p->i++;
        }
        if (value(p, &kids[v->n], depth + 1)) return -1;
        v->n++;
        ws(p);
        if (p->i < p->n && p->s[p->i] == ',') { p->i++; continue; }
        if (p->i < p->n && p->s[p->i] == close) { p->i++; break; }
        return fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    v->kids = kids;
    v->keys = keys;
    return 0;
}

static int value(jp *p, jval *v, int depth)
{
    memset(v, 0, sizeof *v);
    if (depth > 64) return fail(p, "nested too deeply");
    ws(p);
    if (p->i >= p->n) return fail(p, "unexpected end of input");
    char c = p->s[p->i];
    if (c == '"') { v->t = J_STR; return str(p, &v->str, &v->len); }
    if (c == '{') { v->t = J_OBJ; return items(p, v, depth, 1); }
    if (c == '[') { v->t = J_ARR; return items(p, v, depth, 0); }
    if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "null", 4)) { p->i += 4; v->t = J_NULL; return 0; }
    if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "true", 4)) { p->i += 4; v->t = J_BOOL; v->b = 1; return 0; }
    if (p->n - p->i >= 5 && !memcmp(p->s + p->i, "false", 5)) { p->i += 5; v->t = J_BOOL; return 0; }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64];
        size_t k = 0;
        while (p->i < p->n && k < 63 && strchr("+-0123456789.eE", p->s[p->i])) tmp[k++] = p->s[p->i++];
        tmp[k] = '\0';
        char *end;
        v->t = J_NUM;
        v->num = strtod(tmp, &end);
        if (*end) return fail(p, "bad number");
        return 0;
    }
    return fail(p, "unexpected character");
}

int json_parse(const char *s, size_t n, jdoc *out, const char **err, size_t *err_off)
{
    jp p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.n = n;
    int rc = value(&p, &out->root, 0);
    if (!rc) {
        ws(&p);
        if (p.i < p.n) rc = fail(&p, "trailing characters after the value");
    }
    out->mem = p.chunks;
    if (rc) {
        if (err) *err = p.err;
        if (err_off) *err_off = p.i;
        json_free(out);
        return -1;
    }
    return 0;
}

void json_free(jdoc *d)
{
    struct chunk *c = d->mem;
    while (c) { struct chunk *n = c->next; free(c); c = n; }
    d->mem = NULL;
}

const jval *json_get(const jval *obj, const char *key)
{
    if (!obj || obj->t != J_OBJ) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->kids[i];
    return NULL;
}

int json_next_line(const char *data, size_t len, size_t *pos, size_t *lineno, const char **line,
                   size_t *n)
{
    while (*pos < len) {
        size_t i = *pos, j = i;
        while (j < len && data[j] != '\n') j++;
        ++*lineno;
        *pos = j + 1;
        size_t e = j;
        while (e > i && (data[e - 1] == '\r' || data[e - 1] == ' ' || data[e - 1] == '\t')) e--;
        if (e > i) {
            *line = data + i;
            *n = e - i;
            return 1;
        }
    }
    return 0;
}

static void write_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20) fprintf(f, "\\u%04x", c);
            else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                     ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
                fprintf(f, "\\u%04x", (unsigned char)s[i + 2] == 0xA8 ? 0x2028 : 0x2029);
                i += 2;
            } else fputc(c, f);
        }
    }
    fputc('"', f);
}

void json_write(FILE *f, const jval *v)
{
    switch (v->t) {
    case J_NULL: fputs("null", f); break;
    case J_BOOL: fputs(v->b ? "true" : "false", f); break;
    case J_NUM:
        if (v->num > -1e15 && v->num < 1e15 && v->num == (double)(long long)v->num) fprintf(f, "%lld", (long long)v->num);
        else fprintf(f, "%.17g", v->num);
        break;
    case J_STR: write_str(f, v->str, v->len); break;
    case J_ARR:
    case J_OBJ:
        fputc(v->t == J_ARR ? '[' : '{', f);
        for (size_t i = 0; i < v->n; i++) {
            if (i) fputc(',', f);
            if (v->t == J_OBJ) {
                write_str(f, v->keys[i], strlen(v->keys[i]));
                fputc(':', f);
            }
            json_write(f, &v->kids[i]);
        }
        fputc(v->t == J_ARR ? ']' : '}', f);
        break;
    }
}
