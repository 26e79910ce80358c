/* Progress line for extract (see progress.h). */
#include "progress.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

typedef struct seen { dev_t dev; ino_t ino; const struct seen *up; } seen;

static void scan(progress *p, const char *path, const char *ext, const seen *up, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        p->files++;
        p->total += (size_t)st.st_size;
        return;
    }
    for (const seen *s = up; s; s = s->up)
        if (s->dev == st.st_dev && s->ino == st.st_ino) return;
    if (depth > 64) return;
    DIR *d = opendir(path);
    if (!d) return;
    seen here = {st.st_dev, st.st_ino, up};
    struct dirent *de;
    size_t el = strlen(ext);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        size_t l = strlen(de->d_name);
        char *sub = malloc(strlen(path) + l + 2);
        if (!sub) break;
        sprintf(sub, "%s/%s", path, de->d_name);
        struct stat s2;
        if (stat(sub, &s2) == 0 && (S_ISDIR(s2.st_mode) || (l > el && !strcmp(de->d_name + l - el, ext))))
            scan(p, sub, ext, &here, depth + 1);
        free(sub);
    }
    closedir(d);
}

progress *progress_new(int enabled, char **inputs, size_t ninputs, const char *ext, int jsonl)
{
    if (!enabled || !isatty(STDERR_FILENO)) return NULL;
    progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->jsonl = jsonl;
    p->known = 1;
    for (size_t i = 0; i < ninputs; i++) {
        if (!strcmp(inputs[i], "-")) { p->known = 0; continue; }
        scan(p, inputs[i], ext, NULL, 0);
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
