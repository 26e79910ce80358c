/* count: records per type for the files given, using only <quarry.h>.
 *
 *   count FILE...      prints "TYPE<TAB>N" lines (entities by type, then quotes by type),
 *                      sorted by kind and type, then "total<TAB>N".
 *
 * Build it against an installed quarry:  make -C examples   (see examples/Makefile). */
#include <quarry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 64

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) { free(s); s = NULL; }
            s = t;
        }
    }
    fclose(f);
    *len = n;
    return s;
}

int main(int argc, char **argv)
{
    struct { char key[80]; unsigned long n; } counts[MAXT];
    size_t nt = 0;
    unsigned long total = 0;
    int status = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: count FILE...\n");
        return 2;
    }
    quarry_rules *rules = quarry_rules_default(NULL);
    quarry_doc *doc = quarry_doc_new();
    if (!rules || !doc) { fprintf(stderr, "count: out of memory\n"); return 2; }
    for (int i = 1; i < argc; i++) {
        size_t len;
        char *text = read_all(argv[i], &len);
        quarry_error err;
        if (!text) { fprintf(stderr, "count: %s: cannot read\n", argv[i]); status = 2; continue; }
        if (quarry_extract(rules, doc, argv[i], text, len, NULL, &err) != QUARRY_OK) {
            fprintf(stderr, "count: %s: %s\n", argv[i], err.message);
            status = 2;
        } else {
            for (size_t k = 0; k < quarry_doc_record_count(doc); k++) {
                const quarry_record *r = quarry_doc_record(doc, k);
                char key[80];
                snprintf(key, sizeof key, "%s %s", r->kind == QUARRY_QUOTE ? "quote" : "entity", r->type);
                size_t j;
                for (j = 0; j < nt && strcmp(counts[j].key, key); j++) {}
                if (j == nt && nt < MAXT) { strcpy(counts[nt].key, key); counts[nt++].n = 0; }
                if (j < MAXT) counts[j].n++;
                total++;
            }
        }
        free(text);
    }
    for (size_t a = 1; a < nt; a++)       /* insertion sort by key */
        for (size_t b = a; b > 0 && strcmp(counts[b - 1].key, counts[b].key) > 0; b--) {
            char k[80]; unsigned long n = counts[b].n;
            strcpy(k, counts[b].key);
            counts[b] = counts[b - 1];
            strcpy(counts[b - 1].key, k);
            counts[b - 1].n = n;
        }
    for (size_t j = 0; j < nt; j++) printf("%s\t%lu\n", counts[j].key, counts[j].n);
    printf("total\t%lu\n", total);
    quarry_doc_free(doc);
    quarry_rules_free(rules);
    return status;
}
