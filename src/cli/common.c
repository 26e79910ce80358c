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
    if (!strcmp(v, "text")) return 0;
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

quarry_rules *cli_load_rules(const char *path)
{
    quarry_error err;
    memset(&err, 0, sizeof err);
    quarry_rules *r = path ? quarry_rules_load(path, cli_print_diag, NULL, &err)
                           : quarry_rules_default(&err);
    if (!r) {
        if (err.code == QUARRY_ERR_IO || err.code == QUARRY_ERR_NOMEM || !path)
            cli_print_diag(&err, NULL, 0, NULL);
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
