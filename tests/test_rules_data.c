/* Rule tests kept as data: every tests/rules/NAME.test file holds cases of rule text, input
 * text and the annotations (or diagnostics) they must give. See tests/rules/README. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "doc.h"

typedef struct section { char name[128]; buf body; } section;
typedef struct tcase {
    char title[256];
    char file[512];
    int line;
    section secs[16];
    int nsecs;
} tcase;

static buf diag_out;
static char scratch_dir[64];

static void collect_diag(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)l; (void)n; (void)ud;
    const char *base = strrchr(e->file, '/');
    base = base ? base + 1 : e->file;
    /* messages may quote other paths: show them relative to the scratch folder too */
    char msg[600];
    size_t k = 0, dl = strlen(scratch_dir);
    for (const char *m = e->message; *m && k + 1 < sizeof msg;) {
        if (dl && strncmp(m, scratch_dir, dl) == 0 && m[dl] == '/') { m += dl + 1; continue; }
        msg[k++] = *m++;
    }
    msg[k] = '\0';
    buf_printf(&diag_out, "%s:%d:%d: %s: %s\n", base, e->line, e->column,
               e->is_warning ? "warning" : "error", msg);
}

static const section *sec(const tcase *c, const char *name)
{
    for (int i = 0; i < c->nsecs; i++)
        if (strcmp(c->secs[i].name, name) == 0) return &c->secs[i];
    return NULL;
}

static void write_file(const char *dir, const char *name, const buf *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    if (b->n) fwrite(b->p, 1, b->n, f);
    fclose(f);
}

/* The annotations of doc as lines: TYPE "text" key="value" ... in document order. */
static void dump_annots(quarry_doc *doc, buf *out)
{
    const quarry_rules *r = doc->rules;
    /* document order: start, then longer first, then creation order */
    size_t n = doc->anns.n;
    size_t *ord = malloc((n + 1) * sizeof *ord);
    for (size_t i = 0; i < n; i++) ord[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            const annot *a = &doc->anns.v[ord[j - 1]], *b = &doc->anns.v[ord[j]];
            int swap = a->tstart > b->tstart || (a->tstart == b->tstart && a->tend < b->tend);
            if (!swap) break;
            size_t t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t;
        }
    for (size_t k = 0; k < n; k++) {
        const annot *a = &doc->anns.v[ord[k]];
        buf_printf(out, "%s \"%s\"", r->types.v[a->type], doc_span_text(doc, a->tstart, a->tend));
        int has_role = 0;
        for (uint32_t f = 0; f < a->nfeats; f++) {
            const afeat *ft = &a->feats[f];
            has_role |= !strcmp(r->keys.v[ft->key], "role");
            buf_printf(out, " %s=\"%s\"", r->keys.v[ft->key],
                       ft->tstart < 0 ? ft->literal
                                      : doc_span_text(doc, (uint32_t)ft->tstart, (uint32_t)ft->tend));
        }
        /* what linking gave a person: a canonical name other than its own text, and a role
           it did not have */
        if (a->name && strcmp(a->name, doc_span_text(doc, a->tstart, a->tend)))
            buf_printf(out, " name=\"%s\"", a->name);
        if (a->role && !has_role) buf_printf(out, " role=\"%s\"", a->role);
        buf_printf(out, " @%s\n", annot_rule_name(r, a));
    }
    free(ord);
}

/* Trims trailing blank lines so expectations can be written loosely. */
static void trim(buf *b)
{
    while (b->n && (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == ' ')) b->p[--b->n] = '\0';
}

static void run_case(const tcase *c)
{
    char dir[] = "/tmp/quarry-rt-XXXXXX";
    cr_assert(mkdtemp(dir), "mkdtemp");
    snprintf(scratch_dir, sizeof scratch_dir, "%s", dir);
    for (int i = 0; i < c->nsecs; i++)
        if (strncmp(c->secs[i].name, "file ", 5) == 0) write_file(dir, c->secs[i].name + 5, &c->secs[i].body);
    const section *rs = sec(c, "rules");
    cr_assert(rs, "%s:%d: case '%s' has no --- rules section", c->file, c->line, c->title);
    write_file(dir, "main.rules", &rs->body);
    char path[1024];
    snprintf(path, sizeof path, "%s/main.rules", dir);
    diag_out.n = 0;
    if (diag_out.p) diag_out.p[0] = '\0';
    quarry_error err;
    quarry_rules *r = quarry_rules_load(path, collect_diag, NULL, &err);
    const section *es = sec(c, "errors");
    if (es) {
        /* every expected line must appear among the diagnostics, and nothing more */
        buf want = {0};
        buf_append(&want, es->body.p ? es->body.p : "", es->body.n);
        trim(&want);
        buf got = {0};
        buf_append(&got, diag_out.p ? diag_out.p : "", diag_out.n);
        trim(&got);
        cr_expect_str_eq(got.p ? got.p : "", want.p ? want.p : "",
                         "%s:%d: case '%s': diagnostics differ\n--- got:\n%s\n--- want:\n%s", c->file, c->line,
                         c->title, got.p ? got.p : "", want.p ? want.p : "");
        int want_fail = strstr(want.p ? want.p : "", ": error: ") != NULL;
        cr_expect(want_fail ? r == NULL : r != NULL, "%s:%d: case '%s': compile result", c->file,
                  c->line, c->title);
        buf_free(&want);
        buf_free(&got);
    } else {
        cr_assert(r, "%s:%d: case '%s' did not compile:\n%s", c->file, c->line, c->title,
                  diag_out.p ? diag_out.p : "");
    }
    const section *ts = sec(c, "text"), *xs = sec(c, "expect");
    if (r && ts && xs) {
        quarry_doc *doc = quarry_doc_new();
        buf text = {0};
        buf_append(&text, ts->body.p ? ts->body.p : "", ts->body.n);
        trim(&text);
        cr_assert_eq(quarry_extract(r, doc, "t", text.p ? text.p : "", text.n, NULL, NULL), QUARRY_OK);
        buf got = {0}, want = {0};
        dump_annots(doc, &got);
        trim(&got);
        buf_append(&want, xs->body.p ? xs->body.p : "", xs->body.n);
        trim(&want);
        cr_expect_str_eq(got.p ? got.p : "", want.p ? want.p : "",
                         "%s:%d: case '%s': annotations differ\n--- got:\n%s\n--- want:\n%s", c->file, c->line,
                         c->title, got.p ? got.p : "", want.p ? want.p : "");
        buf_free(&got);
        buf_free(&want);
        buf_free(&text);
        quarry_doc_free(doc);
    }
    quarry_rules_free(r);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    tcase *c = NULL;
    section *cur = NULL;
    int lineno = 0, cases = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (strncmp(line, "=== ", 4) == 0) {
            if (c) { run_case(c); cases++; for (int i = 0; i < c->nsecs; i++) buf_free(&c->secs[i].body); free(c); }
            c = calloc(1, sizeof *c);
            snprintf(c->title, sizeof c->title, "%.*s", (int)strcspn(line + 4, "\n"), line + 4);
            snprintf(c->file, sizeof c->file, "%s", path);
            c->line = lineno;
            cur = NULL;
        } else if (strncmp(line, "--- ", 4) == 0 && c) {
            cr_assert(c->nsecs < 16, "too many sections");
            cur = &c->secs[c->nsecs++];
            snprintf(cur->name, sizeof cur->name, "%.*s", (int)strcspn(line + 4, "\n"), line + 4);
        } else if (cur) {
            buf_append(&cur->body, line, (size_t)got);
        }
    }
    if (c) { run_case(c); cases++; for (int i = 0; i < c->nsecs; i++) buf_free(&c->secs[i].body); free(c); }
    free(line);
    fclose(f);
    return cases;
}

Test(rules_data, all_cases)
{
    DIR *d = opendir("tests/rules");
    cr_assert(d, "tests/rules not found (run from the repository root)");
    struct dirent *de;
    int files = 0, cases = 0;
    char *names[256];
    int n = 0;
    while ((de = readdir(d)) && n < 256) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".test") == 0) names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "tests/rules/%s", names[i]);
        cases += run_file(path);
        files++;
        free(names[i]);
    }
    cr_assert_gt(cases, 0, "no rule test cases found");
    buf_free(&diag_out);
    cr_log_info("%d rule test files, %d cases", files, cases);
}
