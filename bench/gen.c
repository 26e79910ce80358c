/* Input generator for bench/run.sh: writes benchmark inputs to stdout, so that large ones
 * stream into a pipe instead of lying on disk.
 *
 *   gen text BYTES SRC...      SRC texts (files, or every .txt below a folder, in name order)
 *                              concatenated, blank line between, cycled, cut to BYTES at a
 *                              character boundary: one document
 *   gen files BYTES DIR SRC... the SRC texts copied, cycled, as DIR/NNNNNN_NAME.txt until at
 *                              least BYTES are written (the bench input without the BBC data)
 *   gen jsonl BYTES SRC...     the SRC texts as JSON Lines {"id":"NAME-PASS","text":...},
 *                              cycled with distinct ids, until the next line would pass BYTES
 *   gen nopunct BYTES SRC...   the SRC texts without punctuation, quote marks, dashes or line
 *                              ends: one paragraph of BYTES
 *   gen quotes BYTES           BYTES '"' characters
 *   gen caps COUNT             COUNT distinct capitalised words in a row ("Kamiro Tensade ..")
 *   gen nested COUNT           COUNT quote marks: half of them opening, alternately a double
 *                              and a single curly mark, nested, a few words each, then the
 *                              closing ones in reverse order
 *   gen lexhits COUNT LEX...   COUNT lexicon entries in a row, taken in turn from the lexicon
 *                              files LEX (first field of each line)
 *   gen lexicon COUNT          COUNT synthetic lexicon entries of 2-4 words, all distinct
 *
 * BYTES and COUNT take k, M, G suffixes (powers of 1024). Invalid UTF-8 in a source becomes
 * U+FFFD in jsonl output. Build: cc -O2 -o build/bench-gen bench/gen.c */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct src {
    char *name;   /* id base: file name without folder and extension */
    char *p;
    size_t n;
} src;

static src *srcs;
static size_t nsrcs, capsrcs;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "gen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static unsigned long long size_arg(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) die("not a size", s);
    if (*end == 'k' || *end == 'K') v <<= 10, end++;
    else if (*end == 'm' || *end == 'M') v <<= 20, end++;
    else if (*end == 'g' || *end == 'G') v <<= 30, end++;
    if (*end) die("not a size", s);
    return v;
}

static void add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die(strerror(errno), path);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) die("out of memory", NULL);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && !(b = realloc(b, cap *= 2))) die("out of memory", NULL);
    }
    fclose(f);
    if (nsrcs == capsrcs && !(srcs = realloc(srcs, (capsrcs = capsrcs ? capsrcs * 2 : 256) * sizeof *srcs)))
        die("out of memory", NULL);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strcspn(base, ".");
    char *name = malloc(bl + 1);
    if (!name) die("out of memory", NULL);
    memcpy(name, base, bl);
    name[bl] = '\0';
    srcs[nsrcs++] = (src){name, b, n};
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st)) die(strerror(errno), path);
    if (!S_ISDIR(st.st_mode)) { add_file(path); return; }
    DIR *d = opendir(path);
    if (!d) die(strerror(errno), path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap && !(names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names)))
            die("out of memory", NULL);
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(l))) die("out of memory", NULL);
        snprintf(names[n++], l, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(names[k]);
        if (stat(names[k], &st) == 0 &&
            (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && l > 4 && !strcmp(names[k] + l - 4, ".txt"))))
            add_path(names[k]);
        free(names[k]);
    }
    free(names);
}

static void load(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) add_path(argv[i]);
    size_t total = 0;
    for (size_t k = 0; k < nsrcs; k++) total += srcs[k].n;
    if (!total) die("no source text", NULL);
}

/* Length of the valid UTF-8 sequence at p (1-4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t l = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!l || l > n) return 0;
    for (size_t k = 1; k < l; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;
    if (c == 0xED && p[1] > 0x9F) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] > 0x8F) return 0;
    return l;
}

static void out(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n) exit(errno == EPIPE ? 0 : 1);
}

/* ---- modes ------------------------------------------------------------------------- */

static void gen_text(unsigned long long bytes)
{
    unsigned long long done = 0;
    for (size_t k = 0; done < bytes; k = (k + 1) % nsrcs) {
        const src *s = &srcs[k];
        if (done && done + 2 <= bytes) { out("\n\n", 2); done += 2; }
        size_t n = s->n;
        if (done + n > bytes) {
            n = (size_t)(bytes - done);
            while (n > 0 && ((unsigned char)s->p[n] & 0xC0) == 0x80) n--;   /* whole characters */
            if (n == 0) { while (done < bytes) { out(" ", 1); done++; } break; }
        }
        out(s->p, n);
        done += n;
    }
}

static void gen_files(unsigned long long bytes, const char *dir)
{
    unsigned long long done = 0;
    char path[4096];
    for (size_t k = 0, i = 0; done < bytes; k = (k + 1) % nsrcs, i++) {
        snprintf(path, sizeof path, "%s/%06zu_%.200s.txt", dir, i, srcs[k].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(srcs[k].p, 1, srcs[k].n, f) != srcs[k].n || fclose(f)) die(strerror(errno), path);
        done += srcs[k].n;
    }
}

static size_t json_escape(const src *s, char *o)
{
    static const char hex[] = "0123456789abcdef";
    size_t m = 0;
    const unsigned char *p = (const unsigned char *)s->p;
    for (size_t i = 0; i < s->n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') { o[m++] = '\\'; o[m++] = (char)c; i++; }
        else if (c == '\n') { o[m++] = '\\'; o[m++] = 'n'; i++; }
        else if (c == '\t') { o[m++] = '\\'; o[m++] = 't'; i++; }
        else if (c < 0x20) {
            memcpy(o + m, "\\u00", 4);
            o[m + 4] = hex[c >> 4];
            o[m + 5] = hex[c & 15];
            m += 6;
            i++;
        } else {
            size_t l = utf8_len(p + i, s->n - i);
            if (l) { memcpy(o + m, p + i, l); m += l; i += l; }
            else { memcpy(o + m, "\xEF\xBF\xBD", 3); m += 3; i++; }
        }
    }
    return m;
}

static void gen_jsonl(unsigned long long bytes)
{
    size_t maxn = 0;
    for (size_t k = 0; k < nsrcs; k++) if (srcs[k].n > maxn) maxn = srcs[k].n;
    char *esc = malloc(maxn * 6 + 1), head[600];
    if (!esc) die("out of memory", NULL);
    unsigned long long done = 0;
    for (unsigned long long pass = 0;; pass++) {
        for (size_t k = 0; k < nsrcs; k++) {
            size_t m = json_escape(&srcs[k], esc);
            int h = snprintf(head, sizeof head, "{\"id\":\"%.400s-%llu\",\"text\":\"", srcs[k].name, pass);
            unsigned long long line = (unsigned long long)h + m + 3;
            if (done && done + line > bytes) { free(esc); return; }
            out(head, (size_t)h);
            out(esc, m);
            out("\"}\n", 3);
            done += line;
        }
    }
}

static int is_punct_at(const unsigned char *p, size_t n, size_t *len)
{
    unsigned c = p[0];
    *len = 1;
    if (c < 0x80) return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
                         (c >= 0x7B && c <= 0x7E) || c == '\n' || c == '\r' || c == '\t';
    size_t l = utf8_len(p, n);
    if (!l) return 1;   /* invalid byte: dropped */
    *len = l;
    /* U+2010..U+205E (dashes, curly quotes, ellipsis, ...), U+00A0..U+00BF (guillemets, ...) */
    if (l == 3 && p[0] == 0xE2 && (p[1] == 0x80 || p[1] == 0x81)) return 1;
    if (l == 2 && p[0] == 0xC2) return 1;
    return 0;
}

static void gen_nopunct(unsigned long long bytes)
{
    unsigned long long done = 0;
    int space = 1;   /* no leading space, no two in a row */
    while (done < bytes) {
        for (size_t k = 0; k < nsrcs && done < bytes; k++) {
            const unsigned char *p = (const unsigned char *)srcs[k].p;
            size_t n = srcs[k].n;
            for (size_t i = 0; i < n && done < bytes;) {
                size_t l;
                int punct = is_punct_at(p + i, n - i, &l);
                int sp = punct || p[i] == ' ';
                if (sp) {
                    if (!space) { out(" ", 1); done++; space = 1; }
                } else if (done + l <= bytes) {
                    out(p + i, l);
                    done += l;
                    space = 0;
                } else {
                    while (done < bytes) { out(" ", 1); done++; }
                }
                i += l;
            }
            if (!space && done < bytes) { out(" ", 1); done++; space = 1; }
        }
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static const char *const syl[] = {"ka", "ro", "mi", "ten", "sa", "lo", "vi", "den", "ber", "ri",
                                  "to", "an", "gu", "pel", "zor", "quin", "da", "fe", "ho", "ju",
                                  "mar", "tis", "el", "nov", "ur", "bek", "sol", "wen", "ya", "ish"};
#define NSYL (sizeof syl / sizeof syl[0])

/* A word of two or more syllables spelling i in base NSYL, capitalised when cap. */
static size_t word(char *o, unsigned long long i, int cap)
{
    size_t m = 0;
    unsigned long long x = i;
    for (int k = 0; k < 2 || x; k++) {
        const char *s = syl[x % NSYL];
        x /= NSYL;
        size_t l = strlen(s);
        memcpy(o + m, s, l);
        m += l;
    }
    if (cap) o[0] = (char)(o[0] - 32);
    return m;
}

static void gen_caps(unsigned long long count)
{
    char w[128];
    for (unsigned long long i = 0; i < count; i++) {
        size_t m = word(w, i * 7919 + 31, 1);
        w[m++] = ' ';
        out(w, m);
    }
    out("\n", 1);
}

static void gen_nested(unsigned long long count)
{
    static const char *const open[] = {"\xE2\x80\x9C", "\xE2\x80\x98"};   /* “ ‘ */
    static const char *const close[] = {"\xE2\x80\x9D", "\xE2\x80\x99"};  /* ” ’ */
    static const char *const words[] = {"Smith said ", "he told ", "the minister added ", "they "};
    unsigned long long half = count / 2;
    for (unsigned long long i = 0; i < half; i++) {
        out(open[i % 2], 3);
        out(words[i % 4], strlen(words[i % 4]));
    }
    for (unsigned long long i = half; i-- > 0;) {
        out("it ", 3);
        out(close[i % 2], 3);
        out(" ", 1);
    }
    if (count % 2) out("\"", 1);
    out("\n", 1);
}

static void gen_lexhits(unsigned long long count, int nlex, char **lex)
{
    /* the entries of every file, in turn: entry k of file 0, of file 1, ... */
    char ***ents = calloc((size_t)nlex, sizeof *ents);
    size_t *nent = calloc((size_t)nlex, sizeof *nent), total = 0;
    if (!ents || !nent) die("out of memory", NULL);
    for (int f = 0; f < nlex; f++) {
        FILE *fh = fopen(lex[f], "r");
        if (!fh) die(strerror(errno), lex[f]);
        char *line = NULL;
        size_t cap = 0, ce = 0;
        ssize_t got;
        while ((got = getline(&line, &cap, fh)) > 0) {
            size_t n = strcspn(line, "\t\r\n");
            while (n && line[n - 1] == ' ') n--;
            if (!n || line[0] == '#') continue;
            if (nent[f] == ce && !(ents[f] = realloc(ents[f], (ce = ce ? ce * 2 : 1024) * sizeof **ents)))
                die("out of memory", NULL);
            if (!(ents[f][nent[f]++] = strndup(line, n))) die("out of memory", NULL);
        }
        free(line);
        fclose(fh);
        total += nent[f];
    }
    if (!total) die("no lexicon entries", NULL);
    unsigned long long done = 0;
    for (size_t k = 0; done < count; k++)
        for (int f = 0; f < nlex && done < count; f++) {
            if (!nent[f]) continue;
            const char *e = ents[f][(k * 97) % nent[f]];
            out(e, strlen(e));
            out(" ", 1);
            done++;
        }
    out("\n", 1);
}

static void gen_lexicon(unsigned long long count)
{
    char line[512];
    printf("# synthetic lexicon for bench/run.sh: %llu entries of 2-4 words\n", count);
    for (unsigned long long i = 0; i < count; i++) {
        int nw = 2 + (int)(rnd() % 3);
        size_t m = word(line, i, 1);   /* distinct first word: every entry distinct */
        for (int k = 1; k < nw; k++) {
            line[m++] = ' ';
            m += word(line + m, rnd() % 20000, rnd() % 4 != 0);
        }
        line[m++] = '\n';
        out(line, m);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: gen text|jsonl|nopunct BYTES SRC... | gen files BYTES DIR SRC... | gen quotes BYTES | gen caps|nested COUNT |\n"
              "       gen lexhits COUNT LEXFILE... | gen lexicon COUNT\n", stderr);
        return 2;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    const char *mode = argv[1];
    unsigned long long n = size_arg(argv[2]);
    if (!strcmp(mode, "text") || !strcmp(mode, "jsonl") || !strcmp(mode, "nopunct")) {
        if (argc < 4) die("no source texts", NULL);
        load(argc - 3, argv + 3);
        if (!strcmp(mode, "text")) gen_text(n);
        else if (!strcmp(mode, "jsonl")) gen_jsonl(n);
        else gen_nopunct(n);
    } else if (!strcmp(mode, "files")) {
        if (argc < 5) die("no folder or no source texts", NULL);
        load(argc - 4, argv + 4);
        gen_files(n, argv[3]);
    } else if (!strcmp(mode, "quotes")) {
        char b[4096];
        memset(b, '"', sizeof b);
        for (unsigned long long done = 0; done < n; done += sizeof b)
            out(b, n - done < sizeof b ? (size_t)(n - done) : sizeof b);
    } else if (!strcmp(mode, "caps")) {
        gen_caps(n);
    } else if (!strcmp(mode, "nested")) {
        gen_nested(n);
    } else if (!strcmp(mode, "lexhits")) {
        if (argc < 4) die("no lexicon files", NULL);
        gen_lexhits(n, argc - 3, argv + 3);
    } else if (!strcmp(mode, "lexicon")) {
        gen_lexicon(n);
    } else {
        die("unknown mode", mode);
    }
    if (fflush(stdout) && errno != EPIPE) return 1;
    return 0;
}
