/* quarry bench: loads documents into memory, then times the pipeline in process, stage by
 * stage (tokens; tokens + lexicon look-up; the whole pipeline with JSONL records written to
 * /dev/null), each as one warm-up pass and N timed passes, and prints the medians.
 * The stages come from an internal hook of the library (src/stage.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "common.h"
#include "stage.h"
#include "walk.h"

static const char bench_usage[] =
    "usage: quarry bench [OPTIONS] FILE|DIR ...\n"
    "\n"
    "Reads every FILE (a DIR: every .txt file below it, in name order; - : stdin) into\n"
    "memory, then times in process, after one warm-up pass, N passes of each stage:\n"
    "  tokens    tokenizer only (UTF-8 check, offsets, tokens, sentences)\n"
    "  lexicon   tokenizer + lexicon look-up at every token\n"
    "  full      the whole pipeline + JSONL records written to /dev/null\n"
    "and prints the median MB/s and tokens/s per stage, the cores busy (CPU time / wall\n"
    "time: below the thread count when other work shares the machine), the rule set's\n"
    "start-up time (compiling it, lexicons included) and the process's peak RSS.\n"
    "\n"
    "options:\n"
    "  --rules PATH          rule file or folder instead of the built-in rules\n"
    "  --input text|jsonl    jsonl: one document a line, {\"id\":...,\"text\":...}\n"
    "                        (a DIR then contributes its .jsonl files)\n"
    "  --stage LIST          stages to time, comma-separated (default tokens,lexicon,full)\n"
    "  -n N                  timed passes per stage (default 5); the median is reported\n"
    "  -j N                  worker threads sharing the documents (default 1)\n"
    "  --min-time SEC        a pass repeats the whole input until it has run SEC seconds\n"
    "                        (default 0.1), so that small inputs time well\n"
    "  --only entities|quotes\n"
    "                        the full stage makes and writes records of one kind (as\n"
    "                        quarry extract --only: entities alone skip the quote phases)\n"
    "  --matcher reference|fast\n"
    "                        the rule matcher (default fast, or the environment variable\n"
    "                        QUARRY_MATCHER): reference is the specification, far slower\n"
    "  --raw                 key=value lines instead of the table (for scripts)\n"
    "  --profile             after the timings, one more pass of the whole pipeline (one\n"
    "                        thread, untimed) counting each rule's work: positions tried,\n"
    "                        skipped (start guards, first test), threads started, VM\n"
    "                        steps, matches and matches kept; rules by VM steps, most first\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 success, 2 usage or input error, 3 rule errors.\n";

typedef struct bdoc {
    char *id, *text;
    size_t len;
} bdoc;

typedef struct bset {
    bdoc *v;
    size_t n, cap, bytes;
} bset;

static int add_doc(bset *s, const char *id, char *text, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        bdoc *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) return -1;
        s->v = nv;
        s->cap = cap;
    }
    char *idc = strdup(id);
    if (!idc) return -1;
    s->v[s->n++] = (bdoc){idc, text, len};
    s->bytes += len;
    return 0;
}

/* A document to time; one that is not text (binary data: quarry extract skips it too) is
 * reported and left out, so it neither fails nor counts in the timings. */
static void bench_doc(walker *w, const char *id, char *text, size_t len)
{
    bset *s = w->ud;
    quarry_doc *d = quarry_doc_new();
    quarry_error e;
    if (d && quarry_extract(NULL, d, id, text, len, NULL, &e) == QUARRY_ERR_NOT_TEXT) {
        cli_error("%s: %s", id, e.message);
        w->failed = 1;
        quarry_doc_free(d);
        free(text);
        return;
    }
    quarry_doc_free(d);
    if (add_doc(s, id, text, len)) { free(text); w->failed = 1; }
}

/* ---- timing ------------------------------------------------------------------------ */

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

/* Totals of one pass over every document. */
typedef struct counts {
    size_t tokens, hits, records;
    uint64_t steps;
    int failed;
} counts;

typedef struct pass {
    const bset *set;
    const quarry_rules *rules;
    quarry_stage stage;
    atomic_size_t next;
    pthread_mutex_t mu;
    counts total;
} pass;

typedef struct worker {
    pass *p;
    quarry_doc *doc;
    FILE *sink;
    const quarry_options *opts;   /* --only */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    pass *p = w->p;
    counts c = {0};
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->set->n) break;
        const bdoc *d = &p->set->v[i];
        quarry_error e;
        if (quarry_internal_extract(p->rules, w->doc, d->id, d->text, d->len, w->opts, &e, p->stage)) {
            c.failed = 1;
            continue;
        }
        quarry_doc_stats st;
        quarry_internal_stats(w->doc, &st);
        c.tokens += st.tokens;
        c.hits += st.lex_hits;
        c.records += st.records;
        c.steps += st.steps;
        if (p->stage == QUARRY_STAGE_ALL &&
            quarry_emit(w->doc, QUARRY_FORMAT_JSONL, w->opts->only, w->sink))
            c.failed = 1;
    }
    pthread_mutex_lock(&p->mu);
    p->total.tokens += c.tokens;
    p->total.hits += c.hits;
    p->total.records += c.records;
    p->total.steps += c.steps;
    p->total.failed |= c.failed;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* One pass over every document with nw workers; the counts of the pass in *c. */
static int run_pass(const bset *set, const quarry_rules *rules, quarry_stage stage, worker *ws,
                    int nw, counts *c)
{
    pass p;
    memset(&p, 0, sizeof p);
    p.set = set;
    p.rules = rules;
    p.stage = stage;
    atomic_init(&p.next, 0);
    pthread_mutex_init(&p.mu, NULL);
    pthread_t *tid = calloc((size_t)nw, sizeof *tid);
    int started = 0, rc = 0;
    if (!tid) rc = -1;
    for (int k = 0; !rc && k < nw; k++) {
        ws[k].p = &p;
        if (nw == 1) { work(&ws[k]); continue; }
        if (pthread_create(&tid[k], NULL, work, &ws[k])) { rc = -1; break; }
        started++;
    }
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
    if (rc == -1 && started) rc = 0;   /* fewer threads than asked: still a full pass */
    free(tid);
    pthread_mutex_destroy(&p.mu);
    *c = p.total;
    return rc || p.total.failed ? -1 : 0;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

typedef struct result {
    double sec;        /* median seconds per pass */
    double busy;       /* CPU time / wall time of the timed passes: cores the run really had */
    int loops;         /* passes per timed run */
    counts c;
} result;

static int time_stage(const bset *set, const quarry_rules *rules, quarry_stage stage, worker *ws,
                      int nw, int reps, double min_time, result *out)
{
    counts c;
    double t0 = now();
    if (run_pass(set, rules, stage, ws, nw, &c)) return -1;   /* warm-up */
    double once = now() - t0;
    int loops = 1;
    if (once < min_time) {
        double want = min_time / (once > 1e-7 ? once : 1e-7);
        loops = want > 1e6 ? 1000000 : (int)want + 1;
    }
    double *sec = malloc((size_t)reps * sizeof *sec);
    if (!sec) return -1;
    double wall0 = now(), cpu0 = cpu_seconds();
    for (int r = 0; r < reps; r++) {
        t0 = now();
        for (int k = 0; k < loops; k++)
            if (run_pass(set, rules, stage, ws, nw, &c)) { free(sec); return -1; }
        sec[r] = (now() - t0) / loops;
        if (sec[r] <= 0) sec[r] = 1e-9;
    }
    double wall = now() - wall0;
    out->busy = wall > 0 ? (cpu_seconds() - cpu0) / wall : 0;
    qsort(sec, (size_t)reps, sizeof *sec, cmp_dbl);
    out->sec = reps % 2 ? sec[reps / 2] : (sec[reps / 2 - 1] + sec[reps / 2]) / 2;
    out->loops = loops;
    out->c = c;
    free(sec);
    return 0;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Compiles the rules: the first time is the start-up; when that is quick it is repeated
 * (up to reps times, median) for a steadier figure. */
static quarry_rules *load_rules_timed(const char *path, int reps, double *ms, int *times)
{
    double t0 = now();
    quarry_rules *r = cli_load_rules(path);
    double first = (now() - t0) * 1e3;
    *ms = first;
    *times = 1;
    if (!r || first > 500 || reps < 2) return r;
    double *v = malloc((size_t)reps * sizeof *v);
    if (!v) return r;
    v[0] = first;
    for (int k = 1; k < reps; k++) {
        t0 = now();
        quarry_rules *again = cli_load_rules(path);
        v[k] = (now() - t0) * 1e3;
        quarry_rules_free(again);
    }
    qsort(v, (size_t)reps, sizeof *v, cmp_dbl);
    *ms = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
    *times = reps;
    free(v);
    return r;
}

static const char *const stage_names[] = {"", "tokens", "lexicon", "full"};
static const char *const stage_desc[] = {"", "tokens (tokenizer only)", "lexicon (tokens + look-up)",
                                         "full (pipeline + JSONL)"};

static int parse_stages(const char *v, int *want)
{
    want[1] = want[2] = want[3] = 0;
    while (*v) {
        size_t n = strcspn(v, ",");
        int found = 0;
        for (int k = 1; k <= 3; k++)
            if (strlen(stage_names[k]) == n && !strncmp(v, stage_names[k], n)) want[k] = found = 1;
        if (!found && n == 3 && !strncmp(v, "all", 3)) want[1] = want[2] = want[3] = found = 1;
        if (!found) return -1;
        v += n;
        if (*v == ',') v++;
    }
    return want[1] || want[2] || want[3] ? 0 : -1;
}

typedef struct prof_row {
    size_t rule;
    quarry_rule_prof c;
} prof_row;

static int cmp_prof(const void *a, const void *b)
{
    const prof_row *x = a, *y = b;
    if (x->c.steps != y->c.steps) return x->c.steps > y->c.steps ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* One untimed pass of the whole pipeline counting each rule's work (stage.h). */
static int print_profile(const bset *set, const quarry_rules *rules, quarry_doc *doc,
                         const quarry_options *opts, int raw)
{
    size_t nr = quarry_rules_count(rules);
    quarry_rule_prof *prof = calloc(nr + 1, sizeof *prof);
    prof_row *rows = calloc(nr + 1, sizeof *rows);
    if (!prof || !rows) { free(prof); free(rows); return -1; }
    quarry_internal_profile(doc, prof);
    int failed = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < set->n && !failed; i++) {
        quarry_error e;
        failed = quarry_internal_extract(rules, doc, set->v[i].id, set->v[i].text, set->v[i].len,
                                         opts, &e, QUARRY_STAGE_ALL) != QUARRY_OK;
        quarry_doc_stats st;
        quarry_internal_stats(doc, &st);
        total += st.steps;
    }
    quarry_internal_profile(doc, NULL);
    if (!failed) {
        for (size_t i = 0; i < nr; i++) rows[i] = (prof_row){i, prof[i]};
        qsort(rows, nr, sizeof *rows, cmp_prof);
        if (!raw)
            printf("\nrule profile (one pass, %llu VM steps):\n%-40s %-9s %10s %10s %9s %10s %6s %9s %8s\n",
                   (unsigned long long)total, "rule", "phase", "tried", "skipped", "started",
                   "steps", "%", "matches", "kept");
        for (size_t i = 0; i < nr; i++) {
            const quarry_rule_prof *c = &rows[i].c;
            const char *phase = "";
            const char *name = quarry_internal_rule(rules, rows[i].rule, &phase);
            double pct = total ? 100.0 * (double)c->steps / (double)total : 0.0;
            if (raw)
                printf("profile rule=%s phase=%s tried=%llu skipped=%llu started=%llu steps=%llu "
                       "matches=%llu kept=%llu\n", name, phase, (unsigned long long)c->tried,
                       (unsigned long long)c->skipped, (unsigned long long)c->started,
                       (unsigned long long)c->steps, (unsigned long long)c->matches,
                       (unsigned long long)c->kept);
            else
                printf("%-40s %-9s %10llu %10llu %9llu %10llu %6.1f %9llu %8llu\n", name, phase,
                       (unsigned long long)c->tried, (unsigned long long)c->skipped,
                       (unsigned long long)c->started, (unsigned long long)c->steps, pct,
                       (unsigned long long)c->matches, (unsigned long long)c->kept);
        }
    }
    free(prof);
    free(rows);
    return failed ? -1 : 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *rules_path = NULL;
    int reps = 5, threads = 1, raw = 0, profile = 0, want[4] = {0, 1, 1, 1};
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    double min_time = 0.1;
    bset set;
    memset(&set, 0, sizeof set);
    walker w;
    memset(&w, 0, sizeof w);
    w.doc = bench_doc;
    w.ud = &set;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    if (!inputs) return EXIT_USAGE;
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        char *end;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(bench_usage, stdout);
            free(inputs);
            return EXIT_OK;
        } else if ((v = cli_optval(argc, argv, &i, "--rules"))) {
            rules_path = v;
        } else if ((v = cli_optval(argc, argv, &i, "--input"))) {
            if ((w.jsonl = cli_input_jsonl(v)) < 0) goto out;
        } else if ((v = cli_optval(argc, argv, &i, "--stage"))) {
            if (parse_stages(v, want)) { cli_error("--stage: '%s' is not a list of tokens, lexicon, full", v); goto out; }
        } else if ((v = cli_optval(argc, argv, &i, "-n"))) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000) { cli_error("-n: '%s' is not a count (1-1000)", v); goto out; }
            reps = (int)n;
        } else if ((v = cli_optval(argc, argv, &i, "-j")) || (!strncmp(a, "-j", 2) && (v = a + 2))) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 256) { cli_error("-j: '%s' is not a thread count (1-256)", v); goto out; }
            threads = (int)n;
        } else if ((v = cli_optval(argc, argv, &i, "--min-time"))) {
            min_time = strtod(v, &end);
            if (*end || !(min_time >= 0 && min_time <= 3600)) { cli_error("--min-time: '%s' is not a number of seconds", v); goto out; }
        } else if (!strcmp(a, "--raw")) {
            raw = 1;
        } else if (!strcmp(a, "--profile")) {
            profile = 1;
        } else if ((v = cli_optval(argc, argv, &i, "--only"))) {
            if (!strcmp(v, "entities")) opts.only = QUARRY_EMIT_ENTITIES;
            else if (!strcmp(v, "quotes")) opts.only = QUARRY_EMIT_QUOTES;
            else { cli_error("--only must be entities or quotes, not '%s'", v); goto out; }
        } else if ((v = cli_optval(argc, argv, &i, "--matcher"))) {
            if ((opts.matcher = cli_matcher(v)) < 0) goto out;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("unknown option '%s' (see quarry bench --help)", a);
            goto out;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    if (!ninputs) { cli_error("no input (see quarry bench --help)"); goto out; }

    double startup_ms;
    int startup_n;
    quarry_rules *rules = load_rules_timed(rules_path, reps, &startup_ms, &startup_n);
    if (!rules) { rc = EXIT_RULES; goto out; }
    for (size_t i = 0; i < ninputs; i++) walk_documents(&w, inputs[i]);
    if (!set.n) { cli_error("no documents to time"); quarry_rules_free(rules); goto out; }

    worker *ws = calloc((size_t)threads, sizeof *ws);
    int ok = ws != NULL;
    for (int k = 0; ok && k < threads; k++) {
        ws[k].doc = quarry_doc_new();
        ws[k].sink = fopen("/dev/null", "w");
        ws[k].opts = &opts;
        ok = ws[k].doc && ws[k].sink;
        if (ws[k].sink) setvbuf(ws[k].sink, NULL, _IOFBF, 1 << 16);
    }
    if (!ok) cli_error("out of memory or no /dev/null");

    const char *label = rules_path ? rules_path : "built-in rules";
    if (ok && !raw) {
        printf("input: %zu document%s, %.2f MB (%zu bytes)\n", set.n, set.n == 1 ? "" : "s",
               (double)set.bytes / 1e6, set.bytes);
        printf("rules: %s (%zu rules, %zu phases, %zu lexicons), start-up %.1f ms (median of %d)\n",
               label, quarry_rules_count(rules), quarry_rules_phase_count(rules),
               quarry_rules_lexicon_count(rules), startup_ms, startup_n);
        printf("%d thread%s, median of %d timed passes after a warm-up pass\n\n", threads,
               threads == 1 ? "" : "s", reps);
        printf("%-28s %9s %11s %9s %11s %9s %6s\n", "stage", "MB/s", "tokens/s", "ms/MB", "lex hits",
               "records", "cores");
        fflush(stdout);
    } else if (ok) {
        printf("input docs=%zu bytes=%zu\n", set.n, set.bytes);
        printf("rules path=%s rules=%zu phases=%zu lexicons=%zu startup_ms=%.3f startup_n=%d\n",
               label, quarry_rules_count(rules), quarry_rules_phase_count(rules),
               quarry_rules_lexicon_count(rules), startup_ms, startup_n);
        fflush(stdout);
    }
    for (int k = 1; ok && k <= 3; k++) {
        if (!want[k]) continue;
        result r;
        if (time_stage(&set, rules, (quarry_stage)k, ws, threads, reps, min_time, &r)) {
            cli_error("%s: a document failed (out of memory?)", stage_names[k]);
            ok = 0;
            break;
        }
        double mb = (double)set.bytes / 1e6;
        double mbps = mb / r.sec, tps = (double)r.c.tokens / r.sec;
        if (raw)
            printf("stage name=%s threads=%d reps=%d loops=%d sec=%.6f mbps=%.3f tokps=%.0f busy=%.2f "
                   "tokens=%zu hits=%zu records=%zu steps=%llu\n",
                   stage_names[k], threads, reps, r.loops, r.sec, mbps, tps, r.busy, r.c.tokens, r.c.hits,
                   r.c.records, (unsigned long long)r.c.steps);
        else {
            char recs[32] = "-";
            if (k == 3) snprintf(recs, sizeof recs, "%zu", r.c.records);
            printf("%-28s %9.2f %9.3f M %9.2f %11zu %9s %6.2f\n", stage_desc[k], mbps, tps / 1e6,
                   mb > 0 ? r.sec * 1e3 / mb : 0.0, r.c.hits, recs, r.busy);
        }
        fflush(stdout);
    }
    if (ok && profile && print_profile(&set, rules, ws[0].doc, &opts, raw)) {
        cli_error("--profile: a document failed (out of memory?)");
        ok = 0;
    }
    long rss = peak_rss_kb();
    if (ok) {
        if (raw) printf("rss_kb=%ld\n", rss);
        else printf("\npeak RSS: %.1f MB\n", (double)rss / 1024.0);
    }
    for (int k = 0; ws && k < threads; k++) {
        quarry_doc_free(ws[k].doc);
        if (ws[k].sink) fclose(ws[k].sink);
    }
    free(ws);
    quarry_rules_free(rules);
    rc = ok && !w.failed ? EXIT_OK : EXIT_USAGE;
out:
    for (size_t k = 0; k < set.n; k++) { free(set.v[k].id); free(set.v[k].text); }
    free(set.v);
    free(inputs);
    return rc;
}
