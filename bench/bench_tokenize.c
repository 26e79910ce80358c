/* Tokenizer throughput: reads the files named on the command line (a directory means every
 * .txt file under it, recursively) into memory, then tokenizes every document (text_init +
 * tokenize, arena reset between documents), one warm-up pass and N timed passes.
 * Prints the median MB/s and tokens/s, and a machine-readable line:
 *   RESULT bytes=... docs=... tokens=... mbps=... tokps=...
 * Usage: bench_tokenize [-n N] [-a rules/abbreviations.txt] FILE|DIR ... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "text.h"
#include "token.h"

typedef struct doc {
    char *p;
    size_t n;
} doc;

static doc *docs;
static size_t ndocs, capdocs, total_bytes;

static int add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    buf b = {0};
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_append(&b, tmp, r)) {
            fclose(f);
            return -1;
        }
    fclose(f);
    if (ndocs == capdocs) {
        capdocs = capdocs ? capdocs * 2 : 256;
        doc *nd = realloc(docs, capdocs * sizeof *nd);
        if (!nd) return -1;
        docs = nd;
    }
    docs[ndocs].p = b.p;
    docs[ndocs].n = b.n;
    ndocs++;
    total_bytes += b.n;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return add_file(path);
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return -1;
    }
    char **names = NULL;
    size_t nn = 0, cn = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (nn == cn) {
            cn = cn ? cn * 2 : 64;
            char **x = realloc(names, cn * sizeof *x);
            if (!x) break;
            names = x;
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[nn] = malloc(l);
        if (!names[nn]) break;
        snprintf(names[nn], l, "%s/%s", path, e->d_name);
        nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t k = 0; k < nn; k++) {
        struct stat s2;
        if (!stat(names[k], &s2)) {
            size_t l = strlen(names[k]);
            if (S_ISDIR(s2.st_mode)) rc |= add_path(names[k]);
            else if (l > 4 && !strcmp(names[k] + l - 4, ".txt")) rc |= add_file(names[k]);
        }
        free(names[k]);
    }
    free(names);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static abbrev_set *load_abbrevs(const char *path)
{
    abbrev_set *s = abbrev_set_new();
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!s || !f) return s;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
        if (!n || line[0] == '#') continue;
        abbrev_set_add(s, line, n);
    }
    fclose(f);
    return s;
}

static size_t one_pass(arena *a, const abbrev_set *ab)
{
    size_t ntok = 0;
    for (size_t k = 0; k < ndocs; k++) {
        text t;
        tokens tk;
        arena_reset(a);
        if (text_init(&t, docs[k].p, docs[k].n, a, NULL, NULL) || tokenize(&t, ab, a, &tk)) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        ntok += tk.n;
    }
    return ntok;
}

int main(int argc, char **argv)
{
    int reps = 7;
    const char *abpath = "rules/abbreviations.txt";
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-a") && i + 1 < argc) abpath = argv[++i];
        else {
            fprintf(stderr, "usage: %s [-n N] [-a ABBREVS] FILE|DIR ...\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    if (i >= argc) {
        fprintf(stderr, "usage: %s [-n N] [-a ABBREVS] FILE|DIR ...\n", argv[0]);
        return 2;
    }
    for (; i < argc; i++)
        if (add_path(argv[i])) return 2;
    if (!ndocs) {
        fprintf(stderr, "no input\n");
        return 2;
    }
    abbrev_set *ab = load_abbrevs(abpath);
    arena a;
    arena_init(&a);
    size_t ntok = one_pass(&a, ab); /* warm-up */
    double *mbps = malloc((size_t)reps * sizeof *mbps), *tps = malloc((size_t)reps * sizeof *tps);
    if (!mbps || !tps) return 2;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        one_pass(&a, ab);
        double dt = now() - t0;
        if (dt <= 0) dt = 1e-9;
        mbps[r] = (double)total_bytes / dt / 1e6;
        tps[r] = (double)ntok / dt;
    }
    qsort(mbps, (size_t)reps, sizeof *mbps, cmp_dbl);
    qsort(tps, (size_t)reps, sizeof *tps, cmp_dbl);
    printf("docs %zu, bytes %zu, tokens %zu, passes %d\n", ndocs, total_bytes, ntok, reps);
    printf("tokenizer: %.1f MB/s, %.2f Mtokens/s (median)\n", mbps[reps / 2], tps[reps / 2] / 1e6);
    printf("RESULT bytes=%zu docs=%zu tokens=%zu mbps=%.1f tokps=%.0f\n", total_bytes, ndocs, ntok,
           mbps[reps / 2], tps[reps / 2]);
    free(mbps);
    free(tps);
    arena_free(&a);
    abbrev_set_free(ab);
    for (size_t k = 0; k < ndocs; k++) free(docs[k].p);
    free(docs);
    return 0;
}
