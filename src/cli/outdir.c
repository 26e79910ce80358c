/* extract --out-dir (see outdir.h). */
#include "outdir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *outdir_ext(quarry_format format)
{
    switch (format) {
    case QUARRY_FORMAT_BRAT: return "ann";
    case QUARRY_FORMAT_INLINE: return "xml";
    case QUARRY_FORMAT_HTML: return "html";
    case QUARRY_FORMAT_CONLL: return "conll";
    case QUARRY_FORMAT_TSV: return "tsv";
    case QUARRY_FORMAT_EXPLAIN: return "explain.txt";
    case QUARRY_FORMAT_SUMMARY: return "summary.txt";
    default: return "jsonl";
    }
}

/* The file name of id below DIR: each '/'-separated part kept as a sub-folder (so
 * "business/001" and "sport/001" are two files), with '\\' and control characters as '_',
 * and a part that is empty or starts with '.' ("..", ".hidden") starting with '_' instead,
 * so nothing is written outside DIR or hidden. At most 200 bytes. */
static char *safe_name(const char *id)
{
    size_t n = strlen(id);
    if (n > 200) n = 200;
    char *s = malloc(n + 2);
    if (!s) return NULL;
    size_t k = 0;
    int part_start = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c == '/') {
            if (part_start) s[k++] = '_';     /* an empty part ("a//b", "/x") */
            s[k++] = '/';
            part_start = 1;
            continue;
        }
        s[k++] = (c == '\\' || c < 0x20 || c == 0x7f || (part_start && c == '.')) ? '_' : (char)c;
        part_start = 0;
    }
    if (part_start) s[k++] = '_';             /* "" or a trailing '/' */
    s[k] = '\0';
    return s;
}

/* Makes the sub-folders of DIR/name (name's parts before its last '/'). */
static int make_parents(const char *dir, const char *name, FILE *err)
{
    const char *slash = strrchr(name, '/');
    if (!slash) return 0;
    size_t dl = strlen(dir), cap = dl + (size_t)(slash - name) + 2;
    char *p = malloc(cap);
    if (!p) { fprintf(err, "quarry: %s: out of memory\n", dir); return -1; }
    snprintf(p, cap, "%s/%.*s", dir, (int)(slash - name), name);
    for (char *q = p + dl + 1;; q++) {
        if (*q != '/' && *q != '\0') continue;
        char c = *q;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            fprintf(err, "quarry: %s: %s\n", p, strerror(errno));
            free(p);
            return -1;
        }
        *q = c;
        if (!c) break;
    }
    free(p);
    return 0;
}

/* Writes one file through a temporary name. */
static int write_one(const char *dir, const char *name, const char *ext, const quarry_doc *doc,
                     int text, quarry_format format, unsigned flags, FILE *err)
{
    size_t cap = strlen(dir) + strlen(name) + strlen(ext) + 32;
    char *path = malloc(cap), *tmp = malloc(cap);
    int rc = -1;
    if (!path || !tmp) { fprintf(err, "quarry: %s: out of memory\n", dir); goto done; }
    snprintf(path, cap, "%s/%s.%s", dir, name, ext);
    /* the temporary file beside the final one: ".NAME.EXT.XXXXXX" in its sub-folder */
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    snprintf(tmp, cap, "%s/%.*s.%s.%s.XXXXXX", dir, (int)(base - name), name, base, ext);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        fprintf(err, "quarry: %s: %s\n", path, strerror(errno));
        if (fd >= 0) { close(fd); unlink(tmp); }
        goto done;
    }
    int bad;
    if (text) {
        bad = quarry_emit_text(doc, f);
    } else {
        bad = quarry_emit_begin(format, f) || quarry_emit(doc, format, flags, f) ||
              quarry_emit_end(format, f);
    }
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        fprintf(err, "quarry: %s: %s\n", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    rc = 0;
done:
    free(path);
    free(tmp);
    return rc;
}

int outdir_write(const char *dir, const char *id, const quarry_doc *doc, quarry_format format,
                 unsigned flags, FILE *err)
{
    char *name = safe_name(id ? id : "-");
    if (!name) { fprintf(err, "quarry: %s: out of memory\n", dir); return -1; }
    if (make_parents(dir, name, err)) { free(name); return -1; }
    /* brat files stand alone: no "# doc:" line; the inline wrapper stays (the root element) */
    unsigned f = format == QUARRY_FORMAT_BRAT ? flags | QUARRY_EMIT_NO_WRAPPER : flags;
    int rc = write_one(dir, name, outdir_ext(format), doc, 0, format, f, err);
    if (!rc && format == QUARRY_FORMAT_BRAT) rc = write_one(dir, name, "txt", doc, 1, format, flags, err);
    free(name);
    return rc;
}
