/* Progress line for extract (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "walk.h"

struct progress {
    size_t files, total;        /* files (or 0: unknown) and their bytes */
    int jsonl, known, drawn;
    double t0, last;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Counts a file the walker found (st) or the user named (st NULL: looked at here). */
static void count(walker *w, const char *path, const struct stat *st)
{
    progress *p = w->ud;
    struct stat own;
    if (!st) {
        if (stat(path, &own) != 0 || S_ISDIR(own.st_mode)) return;
        st = &own;
    }
    p->files++;
    p->total += (size_t)st->st_size;
}

progress *progress_new(int enabled, char **inputs, size_t ninputs, const char *ext, int jsonl)
{
    if (!enabled || !isatty(STDERR_FILENO)) return NULL;
    progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->jsonl = jsonl;
    p->known = 1;
    walker w;
    memset(&w, 0, sizeof w);
    w.ext = ext;
    w.recursive = 1;
    w.quiet = 1;
    w.file = count;
    w.ud = p;
    for (size_t i = 0; i < ninputs; i++) {
        if (!strcmp(inputs[i], "-")) { p->known = 0; continue; }
        walk_input(&w, inputs[i]);
    }
    p->t0 = p->last = now();
    return p;
}

void progress_tick(progress *p, size_t docs, size_t bytes)
{
    if (!p) return;
    double t = now();
    if (t - p->last < 0.25) return;
    p->last = t;
    double el = t - p->t0, mb = bytes / 1e6, rate = el > 0 ? mb / el : 0;
    char line[160];
    int n;
    if (p->jsonl || !p->known) n = snprintf(line, sizeof line, "quarry: %zu docs", docs);
    else n = snprintf(line, sizeof line, "quarry: %zu/%zu files", docs, p->files);
    if (p->known && p->total)
        n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f/%.1f MB", mb, p->total / 1e6);
    else
        n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f MB", mb);
    n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f MB/s", rate);
    if (p->known && p->total && rate > 0 && bytes <= p->total) {
        double left = (p->total - bytes) / 1e6 / rate;
        unsigned long s = (unsigned long)(left + 0.5);
        snprintf(line + n, sizeof line - (size_t)n, ", ETA %lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    }
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = 1;
}

void progress_end(progress *p)
{
    if (!p) return;
    if (p->drawn) { fputs("\r\033[K", stderr); fflush(stderr); }
    free(p);
}
