/* Command line: the helpers every subcommand shares (error messages prefixed with the
 * program name, rule diagnostics with a caret, option values, reading a whole file). They
 * call only libquarry and the C library; nothing here calls a subcommand. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("quarry: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_print_diag(const quarry_error *e, const char *line, size_t len, void *ud)
{
    (void)ud;
    const char *kind = e->is_warning ? "warning" : "error";
    if (e->line > 0)
        fprintf(stderr, "quarry: %s:%d:%d: %s: %s\n", e->file, e->line, e->column, kind, e->message);
    else if (e->file[0])
        fprintf(stderr, "quarry: %s: %s: %s\n", e->file, kind, e->message);
    else
        fprintf(stderr, "quarry: %s: %s\n", kind, e->message);
    if (!line) return;
    fprintf(stderr, "    %.*s\n    ", (int)len, line);
    /* the caret under column (code points), keeping tabs so it lines up */
    int col = 1;
    for (size_t i = 0; i < len && col < e->column; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c & 0xC0) == 0x80) continue;
        fputc(c == '\t' ? '\t' : ' ', stderr);
        col++;
    }
    fputs("^\n", stderr);
}

const char *cli_optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0') return NULL;
    if (*i + 1 >= argc) { cli_error("%s needs a value", name); exit(EXIT_USAGE); }
    return argv[++*i];
}

int cli_input_jsonl(const char *v)
{
    if (!strcmp(v, "jsonl")) return 1;
    if (!strcmp(v, "text")) return 2;
    cli_error("--input must be text or jsonl, not '%s'", v);
    return -1;
}

int cli_matcher(const char *v)
{
    if (!strcmp(v, "reference")) return QUARRY_MATCHER_REFERENCE;
    if (!strcmp(v, "fast")) return QUARRY_MATCHER_FAST;
    cli_error("--matcher must be reference or fast, not '%s'", v);
    return -1;
}

int cli_matcher_env(void)
{
    const char *e = getenv("QUARRY_MATCHER");
    if (!e || !*e || !strcmp(e, "reference") || !strcmp(e, "fast")) return 0;
    cli_error("the environment variable QUARRY_MATCHER must be reference or fast, not '%s'", e);
    return -1;
}

/* The diagnostics of one rule compile, kept to be printed in file and line order. */
typedef struct held_diag {
    quarry_error e;
    char *line;             /* the source line (NUL-terminated copy), or NULL */
    size_t len, file, seq;  /* file: index in order of first appearance */
} held_diag;

typedef struct diag_list {
    held_diag *v;
    size_t n, cap, errors, warnings;
    char (*files)[512];
    size_t nfiles;
    int oom;
} diag_list;

static void hold_diag(const quarry_error *e, const char *line, size_t len, void *ud)
{
    diag_list *l = ud;
    if (e->is_warning) l->warnings++;
    else l->errors++;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        held_diag *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) { l->oom = 1; cli_print_diag(e, line, len, NULL); return; }
        l->v = nv;
        l->cap = nc;
    }
    held_diag *h = &l->v[l->n];
    h->e = *e;
    h->len = len;
    h->line = NULL;
    if (line) {
        h->line = malloc(len + 1);
        if (h->line) { memcpy(h->line, line, len); h->line[len] = '\0'; }
    }
    size_t f = 0;
    while (f < l->nfiles && strcmp(l->files[f], e->file)) f++;
    if (f == l->nfiles) {
        char (*nf)[512] = realloc(l->files, (l->nfiles + 1) * sizeof *nf);
        if (!nf) { free(h->line); l->oom = 1; cli_print_diag(e, line, len, NULL); return; }
        l->files = nf;
        memcpy(l->files[l->nfiles++], e->file, sizeof e->file);
    }
    h->file = f;
    h->seq = l->n++;
}

static int diag_order(const void *a, const void *b)
{
    const held_diag *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    if (x->e.line != y->e.line) return x->e.line < y->e.line ? -1 : 1;
    if (x->e.column != y->e.column) return x->e.column < y->e.column ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* At most this many errors are printed; the rest are counted. */
#define CLI_MAX_ERRORS 50

quarry_rules *cli_load_rules(const char *path)
{
    quarry_error err;
    memset(&err, 0, sizeof err);
    diag_list l;
    memset(&l, 0, sizeof l);
    quarry_rules *r = path ? quarry_rules_load(path, hold_diag, &l, &err)
                           : quarry_rules_default(&err);
    /* every diagnostic, in file and line order (the parser's and the compiler's mixed) */
    if (l.n) qsort(l.v, l.n, sizeof *l.v, diag_order);
    size_t shown = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (!l.v[i].e.is_warning && shown++ == CLI_MAX_ERRORS)
            fprintf(stderr, "quarry: too many errors: the first %d are shown, the others counted\n",
                    CLI_MAX_ERRORS);
        if (l.v[i].e.is_warning || shown <= CLI_MAX_ERRORS)
            cli_print_diag(&l.v[i].e, l.v[i].line, l.v[i].len, NULL);
        free(l.v[i].line);
    }
    free(l.v);
    free(l.files);
    if (!r) {
        if (err.code == QUARRY_ERR_IO || err.code == QUARRY_ERR_NOMEM || !path)
            cli_print_diag(&err, NULL, 0, NULL);
        else if (l.errors)
        {
            fprintf(stderr, "quarry: %s: %zu error%s", path, l.errors, l.errors == 1 ? "" : "s");
            if (l.warnings) fprintf(stderr, " and %zu warning%s", l.warnings, l.warnings == 1 ? "" : "s");
            fputc('\n', stderr);
        }
    }
    return r;
}

int cli_read_file(const char *path, char **data, size_t *len)
{
    FILE *f = stdin;
    if (strcmp(path, "-") != 0) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { errno = EISDIR; return -1; }
        f = fopen(path, "rb");
        if (!f) return -1;
    }
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    if (!b) { if (f != stdin) fclose(f); errno = ENOMEM; return -1; }
    for (;;) {
        if (n == cap) {
            char *nb = cap > ((size_t)-1) / 4 ? NULL : realloc(b, cap * 2 + 1);
            if (!nb) { free(b); if (f != stdin) fclose(f); errno = ENOMEM; return -1; }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    int e = errno;
    if (f != stdin) fclose(f);
    if (bad) { free(b); errno = e ? e : EIO; return -1; }
    b[n] = '\0';
    *data = b;
    *len = n;
    return 0;
}

void cli_doc_id(const char *path, char *out, size_t cap)
{
    if (strcmp(path, "-") == 0) { snprintf(out, cap, "-"); return; }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n >= cap) n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: return -1;
    }
    if (*end) return -1;
    *out = (size_t)v;
    return 0;
}
