/* extract --out-dir (see outdir.h). */
#include "outdir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static char *safe_name(const char *id)
{
    size_t n = strlen(id);
    if (n > 200) n = 200;
    char *s = malloc(n + 2);
    if (!s) return NULL;
    if (n == 0) { strcpy(s, "_"); return s; }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        s[i] = (c == '/' || c == '\\' || c < 0x20 || c == 0x7f || (i == 0 && c == '.')) ? '_' : (char)c;
    }
    s[n] = '\0';
    return s;
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
    snprintf(tmp, cap, "%s/.%s.%s.XXXXXX", dir, name, ext);
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
    /* brat files stand alone: no "# doc:" line; the inline wrapper stays (the root element) */
    unsigned f = format == QUARRY_FORMAT_BRAT ? flags | QUARRY_EMIT_NO_WRAPPER : flags;
    int rc = write_one(dir, name, outdir_ext(format), doc, 0, format, f, err);
    if (!rc && format == QUARRY_FORMAT_BRAT) rc = write_one(dir, name, "txt", doc, 1, format, flags, err);
    free(name);
    return rc;
}
