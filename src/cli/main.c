/* Command line entry: dispatches to the subcommands; `quarry FILE` means extract. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

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

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **cli_list_dir(const char *dir, const char *suffix, int join, size_t *n)
{
    DIR *dh = opendir(dir);
    if (!dh) return NULL;
    char **names = NULL;
    size_t cap = 0, sl = suffix ? strlen(suffix) : 0, dl = strlen(dir);
    *n = 0;
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.') continue;
        if (suffix && (l <= sl || strcmp(de->d_name + l - sl, suffix))) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        char *e = malloc(dl + l + 2);
        if (!e) break;
        if (join) snprintf(e, dl + l + 2, "%s/%s", dir, de->d_name);
        else memcpy(e, de->d_name, l + 1);
        names[(*n)++] = e;
    }
    closedir(dh);
    if (!names) names = calloc(1, sizeof *names);
    if (*n) qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

void cli_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
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

static const char usage[] =
    "usage: quarry [COMMAND] [OPTIONS] [FILE|DIR ...]\n"
    "\n"
    "Extracts people, roles, places, organisations and attributed quotes from news text.\n"
    "\n"
    "commands:\n"
    "  extract   extract records from files, folders or stdin (the default command)\n"
    "  check     compile a rule set and report every error\n"
    "  explain   show which rule made each annotation and what it beat\n"
    "  test      compare extraction with expected records in a corpus folder\n"
    "  eval      score a rule set against gold data (CoNLL, brat, JSONL)\n"
    "  bench     time the pipeline stage by stage on files or folders\n"
    "\n"
    "`quarry COMMAND --help` describes each. Exit status: 0 success, 1 test or regression\n"
    "failures, 2 usage or input/output error, 3 rule errors.\n";

int main(int argc, char **argv)
{
    int rc;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        rc = EXIT_OK;
    } else if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("quarry %s\n", quarry_version());
        rc = EXIT_OK;
    } else if (argc >= 2 && !strcmp(argv[1], "extract")) {
        rc = cmd_extract(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "check")) {
        rc = cmd_check(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "explain")) {
        rc = cmd_explain(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "test")) {
        rc = cmd_test(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "eval")) {
        rc = cmd_eval(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "bench")) {
        rc = cmd_bench(argc - 1, argv + 1);
    } else {
        rc = cmd_extract(argc, argv);   /* quarry FILE ... */
    }
    if (fclose(stdout) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "quarry: writing the output failed: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    }
    return rc;
}
