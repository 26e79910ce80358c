/* Ordered parallel batch processing (see batch.h). */
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "outdir.h"

typedef struct job {
    char *id, *text;
    size_t len;
    char *out, *err;          /* records and diagnostics, written in input order */
    size_t outn, errn;
    int failed, done;
} job;

struct batch {
    batch_cfg cfg;
    pthread_mutex_t mu;
    pthread_cond_t more, finished;
    pthread_t *workers;
    int nworkers;
    job **ring;
    size_t cap, head, take, tail;   /* head: next to write, take: next to run, tail: next free */
    int stop, failed;
    int writing;                    /* a thread is writing the head's output (mu held to set) */
    int stream;                     /* stdout is not /dev/null: flush after each document */
    quarry_doc *doc;                /* single-thread mode */
    size_t docs, bytes;
};

static void warn_to(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)l; (void)n;
    FILE *f = ud;
    fprintf(f, "quarry: %s: warning: %s\n", e->file, e->message);
}

static void quiet(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)e; (void)l; (void)n; (void)ud;
}

/* Runs one document into j->out / j->err. */
static void run_job(batch *b, quarry_doc *doc, job *j)
{
    FILE *out = open_memstream(&j->out, &j->outn);
    FILE *err = open_memstream(&j->err, &j->errn);
    if (!out || !err) {
        if (out) fclose(out);
        if (err) fclose(err);
        j->failed = 1;
        return;
    }
    quarry_options o = b->cfg.opts;
    o.warn = b->cfg.quiet ? quiet : warn_to;
    o.warn_userdata = err;
    quarry_error e;
    if (quarry_extract(b->cfg.rules, doc, j->id, j->text, j->len, &o, &e) != QUARRY_OK) {
        fprintf(err, "quarry: %s: %s\n", j->id, e.message);
        j->failed = 1;
    } else if (b->cfg.out_dir) {
        if (outdir_write(b->cfg.out_dir, j->id, doc, b->cfg.format, b->cfg.emit_flags, err))
            j->failed = 1;
    } else if (quarry_emit(doc, b->cfg.format, b->cfg.emit_flags, out)) {
        j->failed = 1;
    }
    fclose(out);
    fclose(err);
    free(j->text);
    j->text = NULL;
}

/* A document over QUARRY_WINDOW_BYTES goes through quarry_extract_part, window by window,
 * straight to stdout (README "One large document"): its memory is one window's, not the
 * document's. Not for explain, html and summary (they show the whole document at once) nor
 * --out-dir (one file written whole). */
static int in_windows(const batch *b, const job *j)
{
    return j->len > QUARRY_WINDOW_BYTES && !b->cfg.out_dir && !b->cfg.opts.explain &&
           b->cfg.format != QUARRY_FORMAT_EXPLAIN && b->cfg.format != QUARRY_FORMAT_HTML &&
           b->cfg.format != QUARRY_FORMAT_SUMMARY;
}

/* Runs one document in windows, writing each window's records to stdout as it is done;
 * called when every earlier document has been written. */
static void run_windows(batch *b, quarry_doc *doc, job *j)
{
    quarry_options o = b->cfg.opts;
    o.warn = b->cfg.quiet ? quiet : warn_to;
    o.warn_userdata = stderr;
    quarry_error e;
    size_t pos = 0;
    do {
        if (quarry_extract_part(b->cfg.rules, doc, j->id, j->text, j->len, &pos, &o, &e) != QUARRY_OK) {
            fflush(stdout);
            fprintf(stderr, "quarry: %s: %s\n", j->id, e.message);
            j->failed = 1;
            break;
        }
        if (quarry_emit(doc, b->cfg.format, b->cfg.emit_flags, stdout)) {
            j->failed = 1;
            break;
        }
    } while (pos < j->len);
    free(j->text);
    j->text = NULL;
}

/* Writes one finished document's output; flush: push it out now (the next document may be
 * a while coming: a stream). Only one thread writes at a time (the writing flag). Returns
 * the job's failure; the caller frees nothing (j is freed). */
static int write_job(job *j, int flush)
{
    if (j->errn) fwrite(j->err, 1, j->errn, stderr);
    if (j->outn && fwrite(j->out, 1, j->outn, stdout) != j->outn) j->failed = 1;
    if (flush && fflush(stdout)) j->failed = 1;
    int failed = j->failed;
    free(j->out); free(j->err); free(j->id); free(j->text);
    free(j);
    return failed;
}

/* Writes the finished documents at the head of the ring, in order, if no other thread is
 * writing them. Called with b->mu held; returns with it held. */
static void write_ready(batch *b)
{
    if (b->writing) return;
    b->writing = 1;
    while (b->head < b->tail && b->ring[b->head % b->cap]->done) {
        job *j = b->ring[b->head++ % b->cap];
        size_t len = j->len;
        /* flush when nothing finished is waiting behind it */
        int last = !(b->head < b->tail && b->ring[b->head % b->cap]->done);
        pthread_mutex_unlock(&b->mu);
        int failed = write_job(j, last && b->stream);
        pthread_mutex_lock(&b->mu);
        if (failed) b->failed = 1;
        b->docs++;
        b->bytes += len;
    }
    b->writing = 0;
    pthread_cond_broadcast(&b->finished);   /* slots are free, or everything is written */
}

static void *worker(void *arg)
{
    batch *b = arg;
    quarry_doc *doc = quarry_doc_new();
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->take == b->tail && !b->stop) pthread_cond_wait(&b->more, &b->mu);
        if (b->take == b->tail && b->stop) break;
        job *j = b->ring[b->take++ % b->cap];
        pthread_mutex_unlock(&b->mu);
        if (doc) run_job(b, doc, j);
        else { j->failed = 1; }
        pthread_mutex_lock(&b->mu);
        j->done = 1;
        /* the document at the head of the queue is written as soon as it is done, not when
           the next one is submitted: a stream's output never lags behind its input */
        write_ready(b);
    }
    pthread_mutex_unlock(&b->mu);
    quarry_doc_free(doc);
    return NULL;
}

batch *batch_new(const batch_cfg *cfg)
{
    batch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cfg = *cfg;
    struct stat st;
    /* every output but /dev/null-like devices is flushed after each document: a pipe, a
       terminal, and a file someone follows with tail -f (one write(2) per document) */
    b->stream = !(fstat(fileno(stdout), &st) == 0 && S_ISCHR(st.st_mode) && !isatty(fileno(stdout)));
    if (b->cfg.threads <= 1) {
        b->doc = quarry_doc_new();
        if (!b->doc) { free(b); return NULL; }
        return b;
    }
    b->cap = (size_t)b->cfg.threads * 4;
    b->ring = calloc(b->cap, sizeof *b->ring);
    b->workers = calloc((size_t)b->cfg.threads, sizeof *b->workers);
    if (!b->ring || !b->workers) { free(b->ring); free(b->workers); free(b); return NULL; }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->more, NULL);
    pthread_cond_init(&b->finished, NULL);
    for (int i = 0; i < b->cfg.threads; i++) {
        if (pthread_create(&b->workers[i], NULL, worker, b) != 0) break;
        b->nworkers++;
    }
    if (b->nworkers == 0) {
        cli_error("cannot start worker threads: %s", strerror(errno));
        free(b->ring); free(b->workers); free(b);
        return NULL;
    }
    return b;
}

int batch_submit(batch *b, char *id, char *text, size_t len)
{
    job *j = calloc(1, sizeof *j);
    if (!j) { free(id); free(text); return -1; }
    j->id = id;
    j->text = text;
    j->len = len;
    if (!b->ring) {                      /* one thread: run it here */
        if (in_windows(b, j)) run_windows(b, b->doc, j);
        else run_job(b, b->doc, j);
        if (write_job(j, b->stream)) b->failed = 1;
        b->docs++;
        b->bytes += len;
        return 0;
    }
    if (in_windows(b, j)) {              /* after the documents before it, in this thread */
        pthread_mutex_lock(&b->mu);
        while (b->head < b->tail || b->writing) pthread_cond_wait(&b->finished, &b->mu);
        pthread_mutex_unlock(&b->mu);
        if (!b->doc && !(b->doc = quarry_doc_new())) j->failed = 1;
        else run_windows(b, b->doc, j);
        int failed = write_job(j, b->stream);
        pthread_mutex_lock(&b->mu);
        if (failed) b->failed = 1;
        b->docs++;
        b->bytes += len;
        pthread_mutex_unlock(&b->mu);
        return 0;
    }
    pthread_mutex_lock(&b->mu);
    while (b->tail - b->head == b->cap) pthread_cond_wait(&b->finished, &b->mu);
    b->ring[b->tail++ % b->cap] = j;
    pthread_cond_signal(&b->more);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

int batch_finish(batch *b)
{
    if (b->ring) {
        pthread_mutex_lock(&b->mu);
        while (b->head < b->tail || b->writing) pthread_cond_wait(&b->finished, &b->mu);
        b->stop = 1;
        pthread_cond_broadcast(&b->more);
        pthread_mutex_unlock(&b->mu);
        for (int i = 0; i < b->nworkers; i++) pthread_join(b->workers[i], NULL);
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->more);
        pthread_cond_destroy(&b->finished);
    }
    int failed = b->failed;
    quarry_doc_free(b->doc);
    free(b->ring);
    free(b->workers);
    free(b);
    return failed;
}

void batch_counts(batch *b, size_t *docs, size_t *bytes)
{
    if (b->ring) pthread_mutex_lock(&b->mu);
    *docs = b->docs;
    *bytes = b->bytes;
    if (b->ring) pthread_mutex_unlock(&b->mu);
}
