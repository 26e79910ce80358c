/* Command line: the document walker (see walk.h). Folders, files found in them, JSON Lines
 * documents; the subcommands get paths or documents, never a directory handle. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common.h"
#include "json.h"

#define WALK_MAX_DEPTH 64

static void report(walker *w, const char *path, const char *msg)
{
    w->failed = 1;
    if (!w->quiet) cli_error("%s: %s", path, msg);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but dot files, as "dir/name", sorted by name; an empty (non-NULL) list
 * when there are none; NULL with errno when the folder cannot be read. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *dh = opendir(dir);
    if (!dh) return NULL;
    char **names = NULL;
    size_t cap = 0, dl = strlen(dir);
    *n = 0;
    struct dirent *de;
    while ((de = readdir(dh))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        char *e = malloc(dl + l + 2);
        if (!e) break;
        snprintf(e, dl + l + 2, "%s/%s", dir, de->d_name);
        names[(*n)++] = e;
    }
    closedir(dh);
    if (!names) names = calloc(1, sizeof *names);
    if (*n) qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

/* The folders being walked, innermost first: a link back to one of them is a loop. */
typedef struct dirstack { dev_t dev; ino_t ino; const struct dirstack *up; } dirstack;

static int ends_with(const char *s, const char *ext)
{
    if (!ext) return 1;
    size_t l = strlen(s), el = strlen(ext);
    return l > el && !strcmp(s + l - el, ext);
}

static void walk_dir(walker *w, const char *path, const dirstack *up, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) { report(w, path, strerror(errno)); return; }
    if (!S_ISDIR(st.st_mode)) { report(w, path, strerror(ENOTDIR)); return; }
    for (const dirstack *d = up; d; d = d->up)
        if (d->dev == st.st_dev && d->ino == st.st_ino) {
            report(w, path, "skipped: symbolic link loop");
            return;
        }
    if (depth > WALK_MAX_DEPTH) { report(w, path, "skipped: folders nested too deeply"); return; }
    size_t n;
    char **names = list_dir(path, &n);
    if (!names) { report(w, path, strerror(errno)); return; }
    dirstack here = {st.st_dev, st.st_ino, up};
    for (size_t i = 0; i < n; i++) {
        struct stat s2;
        if (stat(names[i], &s2) != 0) {
            report(w, names[i], strerror(errno));
        } else if (S_ISDIR(s2.st_mode)) {
            if (w->recursive) walk_dir(w, names[i], &here, depth + 1);
        } else if (!ends_with(names[i], w->ext)) {
            /* not a file of this run */
        } else if (!S_ISREG(s2.st_mode)) {
            /* a FIFO, socket or device found in a folder would block or never end */
            if (!w->quiet) report(w, names[i], "skipped: not a regular file");
        } else {
            w->nfound++;
            w->file(w, names[i], &s2);
        }
        free(names[i]);
    }
    free(names);
}

void walk_input(walker *w, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        w->root = path;
        walk_dir(w, path, NULL, 0);
        w->root = NULL;
    } else {
        w->file(w, path, NULL);
    }
}

typedef struct plist { char **v; size_t n, cap; int nomem; } plist;

static void list_file(walker *w, const char *path, const struct stat *st)
{
    (void)st;
    plist *l = w->ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) { l->nomem = 1; return; }
        l->v = nv;
        l->cap = cap;
    }
    char *c = strdup(path);
    if (!c) { l->nomem = 1; return; }
    l->v[l->n++] = c;
}

char **walk_list(walker *w, const char *dir, size_t *n)
{
    plist l = {NULL, 0, 0, 0};
    walker lw = *w;
    lw.file = list_file;
    lw.ud = &l;
    lw.failed = 0;
    struct stat st;
    int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    walk_dir(&lw, dir, NULL, 0);
    if (lw.failed) w->failed = 1;
    if (!ok || l.nomem) {
        if (l.nomem) report(w, dir, strerror(ENOMEM));
        walk_free_list(l.v, l.n);
        return NULL;
    }
    if (!l.v) l.v = calloc(1, sizeof *l.v);
    *n = l.n;
    return l.v;
}

void walk_free_list(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) free(paths[i]);
    free(paths);
}

int walk_check_file(walker *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) { report(w, path, strerror(errno)); return -1; }
    if (S_ISDIR(st.st_mode)) { report(w, path, strerror(EISDIR)); return -1; }
    if (!S_ISREG(st.st_mode)) { report(w, path, "skipped: not a regular file"); return -1; }
    return 0;
}

/* ---- documents ----------------------------------------------------------------------- */

/* The ids of a run's documents, as 64-bit hashes in an open-addressing table filled to at
 * most nine tenths and grown by half: 9 to 14 bytes per document (a moment more while it
 * grows), so a stream of millions of documents stays small. A false alarm needs two ids
 * with the same 64-bit hash. */
typedef struct idset { uint64_t *v; size_t cap, n; } idset;

static uint64_t id_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    h ^= h >> 33;                     /* murmur3 finaliser: spread FNV's bits */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;                 /* 0 marks an empty slot */
}

/* 1 when id was seen before, else adds it (0). */
static int id_seen(idset *ids, const char *id)
{
    if (ids->n * 10 >= ids->cap * 9) {
        size_t cap = ids->cap ? ids->cap + ids->cap / 2 : 1024;
        uint64_t *nv = calloc(cap, sizeof *nv);
        if (!nv) return 0;            /* out of memory: no more checks, no harm */
        for (size_t i = 0; i < ids->cap; i++) {
            if (!ids->v[i]) continue;
            size_t k = ids->v[i] % cap;
            while (nv[k]) k = k + 1 < cap ? k + 1 : 0;
            nv[k] = ids->v[i];
        }
        free(ids->v);
        ids->v = nv;
        ids->cap = cap;
    }
    uint64_t h = id_hash(id);
    size_t k = h % ids->cap;
    while (ids->v[k]) {
        if (ids->v[k] == h) return 1;
        k = k + 1 < ids->cap ? k + 1 : 0;
    }
    ids->v[k] = h;
    ids->n++;
    return 0;
}

/* Checks id (w->check_ids) and warns when an earlier document of the run had it. where: the
 * JSON Lines path (line > 0) or the text file's path. */
static void check_id(walker *w, const char *id, const char *where, size_t line)
{
    if (!w->check_ids) return;
    idset *ids = w->ids;
    if (!ids && !(ids = w->ids = calloc(1, sizeof *ids))) return;
    if (!id_seen(ids, id) || w->nowarn) return;
    if (line)
        fprintf(stderr, "quarry: %s:%zu: warning: duplicate id \"%s\" (an earlier document of "
                "this run has it); its records are still written\n", where, line, id);
    else
        fprintf(stderr, "quarry: %s: warning: duplicate id \"%s\" (an earlier document of this "
                "run has it); its records are still written\n", where, id);
}

void walk_end(walker *w)
{
    idset *ids = w->ids;
    if (!ids) return;
    free(ids->v);
    free(ids);
    w->ids = NULL;
}

/* One document a line, read as it arrives: memory is bounded by the longest line and
 * the documents in flight, not by the stream. */
static void jsonl_docs(walker *w, const char *path, FILE *f)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t e = (size_t)got;
        while (e > 0 && (line[e - 1] == '\n' || line[e - 1] == '\r')) e--;
        size_t k = 0;
        while (k < e && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == e) continue;
        jdoc d;
        const char *msg;
        size_t off;
        if (json_parse(line, e, &d, &msg, &off)) {
            cli_error("%s:%zu: malformed JSON line skipped: %s at column %zu", path, lineno, msg, off + 1);
            w->failed = 1;
            continue;
        }
        const jval *text = json_get(&d.root, "text");
        const jval *id = json_get(&d.root, "id");
        char idbuf[600];
        if (id && id->t == J_STR) snprintf(idbuf, sizeof idbuf, "%s", id->str);
        else if (id && id->t == J_NUM) snprintf(idbuf, sizeof idbuf, "%.17g", id->num);
        else snprintf(idbuf, sizeof idbuf, "%s:%zu", path, lineno);
        if (!text || text->t != J_STR) {
            cli_error("%s:%zu: line skipped: no \"text\" string", path, lineno);
            w->failed = 1;
        } else {
            char *copy = malloc(text->len + 1);
            if (!copy) { cli_error("%s:%zu: out of memory", path, lineno); w->failed = 1; }
            else {
                memcpy(copy, text->str, text->len + 1);
                check_id(w, idbuf, path, lineno);
                w->doc(w, idbuf, copy, text->len);
            }
        }
        json_free(&d);
    }
    if (ferror(f)) { cli_error("%s: %s", path, strerror(errno)); w->failed = 1; }
    free(line);
}

static int jsonl_name(const char *path)
{
    return ends_with(path, ".jsonl") || ends_with(path, ".ndjson");
}

static void doc_file(walker *w, const char *path, const struct stat *found)
{
    if (w->jsonl == 1 || (w->jsonl == 0 && !found && jsonl_name(path))) {
        FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
        struct stat st;
        if (f && f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
            fclose(f);
            f = NULL;
            errno = EISDIR;
        }
        if (!f) { report(w, path, strerror(errno)); return; }
        jsonl_docs(w, path, f);
        if (f != stdin) fclose(f);
        return;
    }
    char *data;
    size_t len;
    struct stat st;
    /* a file over max_doc_bytes is skipped before it is read (a 200 MB file is not loaded
       to be thrown away); streams are read and then checked by the library */
    if (w->max_doc_bytes && strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > w->max_doc_bytes) {
        cli_error("%s: skipped: %llu bytes, over --max-doc-bytes %zu", path,
                  (unsigned long long)st.st_size, w->max_doc_bytes);
        w->failed = 1;
        return;
    }
    if (cli_read_file(path, &data, &len)) { report(w, path, strerror(errno)); return; }
    char id[512];
    size_t rl = found && w->root ? strlen(w->root) : 0;
    if (rl && !strncmp(path, w->root, rl) && path[rl] == '/') {
        /* found in a folder: its path below the folder, without .txt ("business/001") */
        const char *rel = path + rl + 1;
        size_t n = strlen(rel);
        if (n > 4 && !strcmp(rel + n - 4, ".txt")) n -= 4;
        if (n >= sizeof id) n = sizeof id - 1;
        memcpy(id, rel, n);
        id[n] = '\0';
    } else {
        cli_doc_id(path, id, sizeof id);
    }
    check_id(w, id, path, 0);
    w->doc(w, id, data, len);
}

void walk_documents(walker *w, const char *input)
{
    w->ext = w->jsonl == 1 ? ".jsonl" : ".txt";
    w->recursive = 1;
    w->file = doc_file;
    struct stat st;
    int dir = strcmp(input, "-") && stat(input, &st) == 0 && S_ISDIR(st.st_mode);
    size_t before = w->nfound;
    walk_input(w, input);
    if (dir && w->nfound == before) {
        char msg[32];
        snprintf(msg, sizeof msg, "no %s files", w->ext);
        report(w, input, msg);
    }
}
