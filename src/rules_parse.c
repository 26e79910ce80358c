/* Rule-file parser: lexer, recursive-descent parser into the rule_ast of rules.h, include
 * handling, diagnostics (rule_diag) and an S-expression printer for patterns.
 * The language is documented in docs/RULES.md. Name resolution (lexicons, macros, labels),
 * regex compilation and unused-macro warnings belong to the compiler, not here. */
#include "rules.h"
#include "token.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 200           /* pattern / token-test nesting */
#define MAX_INCLUDE_DEPTH 64
#define MAX_ERRORS 200          /* per rules_parse_* call, then the parser gives up */
#define MAX_UTF8_REPORTS 20     /* invalid UTF-8 reports per file */
#define QUANT_MAX 1000

/* ---- flags ------------------------------------------------------------------------------ */

#define KIND(k) (1u << (k))
const flag_name rule_flag_names[] = {
    {"cap", QUARRY_TF_CAP, 0},
    {"allcaps", QUARRY_TF_ALLCAPS, 0},
    {"lower", QUARRY_TF_LOWER, 0},
    {"digit", QUARRY_TF_DIGIT, 0},
    {"alpha", QUARRY_TF_ALPHA, 0},
    {"abbrev", QUARRY_TF_ABBREV, 0},
    {"sstart", QUARRY_TF_SENT_START, 0},
    {"send", QUARRY_TF_SENT_END, 0},
    {"pstart", QUARRY_TF_PARA_START, 0},
    {"pend", QUARRY_TF_PARA_END, 0},
    {"lstart", QUARRY_TF_LINE_START, 0},
    {"oquote", QUARRY_TF_QOPEN, 0},
    {"cquote", QUARRY_TF_QCLOSE, 0},
    {"aquote", QUARRY_TF_QAMBIG, 0},
    {"word", 0, KIND(TK_WORD)},
    {"num", 0, KIND(TK_NUM)},
    {"punct", 0, KIND(TK_PUNCT)},
    {"quote", 0, KIND(TK_QUOTE)},
    {"dash", 0, KIND(TK_DASH)},
    {"url", 0, KIND(TK_URL)},
    {"email", 0, KIND(TK_EMAIL)},
    {"sym", 0, KIND(TK_SYM)},
    {NULL, 0, 0},
};

const flag_name *rule_flag_lookup(const char *name, size_t len)
{
    for (const flag_name *f = rule_flag_names; f->name; f++)
        if (strlen(f->name) == len && memcmp(f->name, name, len) == 0) return f;
    return NULL;
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when invalid. */
static size_t u8len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;
        if (c == 0xED && s[1] >= 0xA0) return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

static uint32_t u8decode(const unsigned char *s, size_t k)
{
    switch (k) {
    case 1: return s[0];
    case 2: return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3: return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
               ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
}

/* ---- diagnostics ------------------------------------------------------------------------ */

const char *rule_src_line(const rule_ast *ast, srcpos pos, size_t *len)
{
    *len = 0;
    if (!ast || pos.file >= ast->files.n || pos.line == 0) return NULL;
    const rule_src *f = &ast->files.v[pos.file];
    const char *s = f->text, *end = f->text + f->len;
    if (!s) return NULL;
    for (uint32_t l = 1; l < pos.line; l++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) return NULL;
        s = nl + 1;
    }
    const char *e = memchr(s, '\n', (size_t)(end - s));
    if (!e) e = end;
    if (e > s && e[-1] == '\r') e--;
    *len = (size_t)(e - s);
    return s;
}

/* Cuts a string that snprintf may have truncated back to a UTF-8 boundary. */
static void trim_utf8(char *s)
{
    size_t n = strlen(s), i = 0, ok = 0;
    while (i < n) {
        size_t k = u8len((const unsigned char *)s + i, n - i);
        if (!k) k = 1;
        if (i + k > n) break;
        i += k;
        ok = i;
    }
    s[ok] = '\0';
}

void rule_diag(rule_diags *d, const rule_ast *ast, srcpos pos, int is_warning, const char *fmt, ...)
{
    if (!d) return;
    quarry_error e;
    memset(&e, 0, sizeof e);
    e.code = QUARRY_ERR_RULES;
    e.is_warning = is_warning;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    trim_utf8(e.message);
    const char *line = NULL;
    size_t len = 0;
    if (ast && pos.file < ast->files.n) {
        snprintf(e.file, sizeof e.file, "%s", ast->files.v[pos.file].path);
        trim_utf8(e.file);
        e.line = (int)pos.line;
        e.column = (int)pos.col;
        line = rule_src_line(ast, pos, &len);
    }
    if (is_warning) {
        d->warnings++;
    } else {
        if (d->errors == 0) d->first = e;
        d->errors++;
    }
    if (d->fn) d->fn(&e, line, len, d->userdata);
}

/* ---- AST lifetime ----------------------------------------------------------------------- */

void rule_ast_init(rule_ast *ast)
{
    memset(ast, 0, sizeof *ast);
    arena_init(&ast->mem);
}

void rule_ast_free(rule_ast *ast)
{
    if (!ast) return;
    for (size_t i = 0; i < ast->files.n; i++) free((char *)ast->files.v[i].text);
    VEC_FREE(&ast->files);
    VEC_FREE(&ast->lexicons);
    VEC_FREE(&ast->macros);
    VEC_FREE(&ast->phases);
    VEC_FREE(&ast->rules);
    VEC_FREE(&ast->types);
    VEC_FREE(&ast->broken);
    arena_free(&ast->mem);
}

/* ---- parser state ----------------------------------------------------------------------- */

typedef enum tkind {
    T_EOF, T_IDENT, T_STRING, T_EXACT, T_REGEX, T_INT,
    T_COLON, T_SEMI, T_COMMA, T_EQ, T_NE, T_ARROW, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK,
    T_LBRACE, T_RBRACE, T_BAR, T_AMP, T_BANG, T_QUEST, T_STAR, T_PLUS, T_AT, T_LT, T_GT,
    T_DOLLAR, T_ANY, T_SSTART, T_SEND, T_PSTART, T_PEND, T_BAD
} tkind;

typedef struct tok {
    tkind k;
    size_t off, len;        /* raw bytes in the file */
    srcpos pos;
    int bol;                /* first token on its line */
    int colon;              /* IDENT immediately followed by ':' */
    const char *str;        /* STRING/EXACT: unescaped (arena); REGEX: pattern (arena) */
    size_t slen;
    const char *flags;      /* REGEX */
    long ival;              /* INT, clamped to +-(INT_MAX) */
} tok;

typedef struct lexer {
    const char *s;
    size_t n, i;
    uint32_t file, line;
    size_t line_start;
    int line_has_tok;
    size_t cc_ls, cc_off;   /* column cache: line start, offset, column there */
    uint32_t cc_col;
} lexer;

typedef struct smap_ent { const char *k; uint32_t v; } smap_ent;
typedef struct smap { smap_ent *e; size_t cap, n; } smap;

typedef struct parser {
    rule_ast *ast;
    rule_diags *d;
    rule_read_fn read;
    void *read_ud;
    lexer lx;
    tok cur;
    srcpos prev_end;        /* just after the previous token */
    jmp_buf *stmt_jmp;      /* syntax error: abandon the statement */
    jmp_buf top_jmp;        /* out of memory / too many errors: abandon everything */
    size_t errors0;         /* d->errors at the start */
    int depth;
    int quiet;              /* skipping a bad statement: no lexical errors */
    int cur_phase;          /* -1: none yet in this file (implicit "main") */
    /* the statement being parsed, for rule_ast.broken when it has an error */
    enum { ST_NONE, ST_RULE, ST_MACRO, ST_LEXICON } stmt_kind;
    const char *stmt_name;  /* macro or lexicon name, once read */
    size_t stmt_errors;     /* d->errors when it started */
    VEC(const char *) stmt_types;   /* a rule's action types read so far */
    VEC(uint32_t) stack;    /* files being parsed, outermost first */
    smap rules, macros, lexicons, phases, files;
    char fbuf[96];
} parser;

static _Noreturn void oom(parser *p)
{
    rule_diag(p->d, p->ast, (srcpos){RULE_NO_FILE, 0, 0}, 0, "out of memory while parsing rules");
    longjmp(p->top_jmp, 1);
}

static void *zalloc(parser *p, size_t n)
{
    void *x = arena_zalloc(&p->ast->mem, n);
    if (!x) oom(p);
    return x;
}

static char *sdup(parser *p, const char *s, size_t n)
{
    char *x = arena_strndup(&p->ast->mem, s, n);
    if (!x) oom(p);
    return x;
}

static void err_at(parser *p, srcpos pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void err_at(parser *p, srcpos pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rule_diag(p->d, p->ast, pos, 0, "%s", msg);
    if (p->d->errors - p->errors0 >= MAX_ERRORS) {
        rule_diag(p->d, p->ast, pos, 0, "too many errors; giving up");
        longjmp(p->top_jmp, 1);
    }
}

/* ---- string map (names -> index) ------------------------------------------------------- */

static size_t smap_slot(const smap *m, const char *k)
{
    size_t i = (size_t)hash_bytes(k, strlen(k)) & (m->cap - 1);
    while (m->e[i].k && strcmp(m->e[i].k, k) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

static int smap_get(const smap *m, const char *k, uint32_t *v)
{
    if (!m->cap) return 0;
    size_t i = smap_slot(m, k);
    if (!m->e[i].k) return 0;
    *v = m->e[i].v;
    return 1;
}

static void smap_put(parser *p, smap *m, const char *k, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        smap_ent *old = m->e;
        size_t oc = m->cap;
        m->e = calloc(nc, sizeof *m->e);
        if (!m->e) { m->e = old; oom(p); }
        m->cap = nc;
        for (size_t i = 0; i < oc; i++)
            if (old[i].k) m->e[smap_slot(m, old[i].k)] = old[i];
        free(old);
    }
    size_t i = smap_slot(m, k);
    if (!m->e[i].k) m->n++;
    m->e[i].k = k;
    m->e[i].v = v;
}

/* ---- paths ------------------------------------------------------------------------------ */

/* Joins rel to the folder of base (unless rel is absolute or base has no folder) and
 * normalises the result lexically ("." and "dir/.." components removed). */
static char *path_resolve(parser *p, const char *base, const char *rel)
{
    size_t bl = 0;
    if (base && rel[0] != '/') {
        const char *sl = strrchr(base, '/');
        if (sl) bl = (size_t)(sl - base) + 1;
    }
    size_t rl = strlen(rel);
    char *in = malloc(bl + rl + 1), *out = malloc(bl + rl + 2);
    struct { const char *s; size_t n; } *c = malloc((bl + rl + 1) * sizeof *c);
    if (!in || !out || !c) { free(in); free(out); free(c); oom(p); }
    if (bl) memcpy(in, base, bl);
    memcpy(in + bl, rel, rl + 1);
    int abs = in[0] == '/';
    size_t nc = 0;
    for (const char *s = in; *s;) {
        while (*s == '/') s++;
        if (!*s) break;
        size_t len = strcspn(s, "/");
        int dot = len == 1 && s[0] == '.';
        int dotdot = len == 2 && s[0] == '.' && s[1] == '.';
        if (dot) {
            /* skip */
        } else if (dotdot && nc > 0 && !(c[nc - 1].n == 2 && !memcmp(c[nc - 1].s, "..", 2))) {
            nc--;
        } else if (!(dotdot && abs && nc == 0)) {
            c[nc].s = s;
            c[nc].n = len;
            nc++;
        }
        s += len;
    }
    size_t o = 0;
    if (abs) out[o++] = '/';
    for (size_t i = 0; i < nc; i++) {
        if (i) out[o++] = '/';
        memcpy(out + o, c[i].s, c[i].n);
        o += c[i].n;
    }
    if (o == 0) out[o++] = '.';
    char *r = arena_strndup(&p->ast->mem, out, o);
    free(in);
    free(out);
    free(c);
    if (!r) oom(p);
    return r;
}

static int read_fs(const char *path, char **out_text, size_t *len, void *ud)
{
    (void)ud;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
        /* a device such as /dev/zero would never end */
        fclose(f);
        errno = EINVAL;
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    if (!b) { fclose(f); errno = ENOMEM; return -1; }
    for (;;) {
        if (cap - n < 2) {
            char *nb = cap > ((size_t)-1) / 2 ? NULL : realloc(b, cap * 2);
            if (!nb) { free(b); fclose(f); errno = ENOMEM; return -1; }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(b);
        fclose(f);
        errno = e;
        return -1;
    }
    fclose(f);
    b[n] = '\0';
    *out_text = b;
    *len = n;
    return 0;
}

/* ---- lexer ------------------------------------------------------------------------------ */

static uint32_t col_at(lexer *L, size_t off)
{
    size_t from;
    uint32_t col;
    if (L->cc_ls == L->line_start && L->cc_off <= off && L->cc_off >= L->line_start) {
        from = L->cc_off;
        col = L->cc_col;
    } else {
        from = L->line_start;
        col = 1;
    }
    while (from < off) {
        size_t k = u8len((const unsigned char *)L->s + from, L->n - from);
        from += k ? k : 1;
        col++;
    }
    L->cc_ls = L->line_start;
    L->cc_off = from;
    L->cc_col = col;
    return col;
}

static srcpos pos_at(lexer *L, size_t off)
{
    return (srcpos){L->file, L->line, col_at(L, off)};
}

static int is_id0(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_id(int c) { return is_id0(c) || is_digit(c); }

/* Skips whitespace and comments from off; returns the offset of the next significant byte
 * (does not move the lexer). */
static size_t peek_off(const lexer *L, size_t off)
{
    while (off < L->n) {
        char c = L->s[off];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            off++;
        } else if (c == '#') {
            while (off < L->n && L->s[off] != '\n') off++;
        } else {
            break;
        }
    }
    return off;
}

/* A lexical error: not reported while skipping the rest of a bad statement. */
#define lex_err(p, ...) do { if (!(p)->quiet) err_at((p), __VA_ARGS__); } while (0)

/* Lexes a "..." or '...' literal at L->i into t. */
static void lex_quoted(parser *p, tok *t, char q)
{
    lexer *L = &p->lx;
    size_t j = L->i + 1;
    while (j < L->n && L->s[j] != q && L->s[j] != '\n') {
        if (L->s[j] == '\\' && j + 1 < L->n && L->s[j + 1] != '\n') j += 2;
        else j++;
    }
    if (j >= L->n || L->s[j] != q) {
        lex_err(p, t->pos, q == '"' ? "unterminated string (missing closing '\"')"
                                   : "unterminated string (missing closing \"'\")");
        t->k = T_BAD;
        L->i = j;
        t->len = j - t->off;
        return;
    }
    char *out = zalloc(p, j - L->i);
    size_t o = 0;
    for (size_t k = L->i + 1; k < j; k++) {
        char c = L->s[k];
        if (c == '\\') {
            char e = L->s[++k];
            if (e == q || e == '\\') out[o++] = e;
            else if (q == '"' && e == 'n') out[o++] = '\n';
            else if (q == '"' && e == 't') out[o++] = '\t';
            else {
                lex_err(p, pos_at(L, k - 1),
                       q == '"' ? "unknown escape '\\%c' in string (allowed: \\\" \\\\ \\n \\t)"
                                : "unknown escape '\\%c' in string (allowed: \\' \\\\)",
                       (e >= 0x20 && e < 0x7F) ? e : '?');
                out[o++] = '\\';
                out[o++] = e;
            }
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    t->k = q == '"' ? T_STRING : T_EXACT;
    t->str = out;
    t->slen = o;
    L->i = j + 1;
    t->len = L->i - t->off;
}

static void lex_regex(parser *p, tok *t)
{
    lexer *L = &p->lx;
    size_t j = L->i + 1;
    while (j < L->n && L->s[j] != '/' && L->s[j] != '\n') {
        if (L->s[j] == '\\' && j + 1 < L->n && L->s[j + 1] != '\n') j += 2;
        else j++;
    }
    if (j >= L->n || L->s[j] != '/') {
        lex_err(p, t->pos, "unterminated regex (missing closing '/')");
        t->k = T_BAD;
        L->i = j;
        t->len = j - t->off;
        return;
    }
    t->k = T_REGEX;
    t->str = sdup(p, L->s + L->i + 1, j - L->i - 1);
    t->slen = j - L->i - 1;
    size_t f = j + 1;
    while (f < L->n && L->s[f] >= 'a' && L->s[f] <= 'z') f++;
    t->flags = sdup(p, L->s + j + 1, f - j - 1);
    L->i = f;
    t->len = f - t->off;
}

/* Reads the next token into p->cur. rulename: lex [A-Za-z_][A-Za-z0-9_.-]* as one IDENT. */
static void lex_next(parser *p, int rulename)
{
    lexer *L = &p->lx;
    tok *t = &p->cur;
    if (t->k != T_EOF || t->len) {
        size_t e = t->off + t->len;
        p->prev_end = (srcpos){L->file, t->pos.line, t->pos.line == L->line ? col_at(L, e) : t->pos.col};
    }
    memset(t, 0, sizeof *t);
    for (;;) {
        while (L->i < L->n) {
            unsigned char c = (unsigned char)L->s[L->i];
            if (c == '\n') {
                L->i++;
                L->line++;
                L->line_start = L->i;
                L->line_has_tok = 0;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
                L->i++;
            } else if (c == '#') {
                while (L->i < L->n && L->s[L->i] != '\n') L->i++;
            } else if (c >= 0x80 && !u8len((const unsigned char *)L->s + L->i, L->n - L->i)) {
                L->i++; /* invalid byte, already reported */
            } else {
                break;
            }
        }
        break;
    }
    t->off = L->i;
    t->pos = pos_at(L, L->i);
    t->bol = !L->line_has_tok;
    L->line_has_tok = 1;
    if (L->i >= L->n) {
        t->k = T_EOF;
        return;
    }
    const char *s = L->s;
    size_t i = L->i;
    char c = s[i];
    if (is_id0((unsigned char)c)) {
        size_t j = i + 1;
        if (rulename) {
            while (j < L->n && (is_id((unsigned char)s[j]) || s[j] == '.' || s[j] == '-')) j++;
        } else {
            while (j < L->n && is_id((unsigned char)s[j])) j++;
        }
        t->len = j - i;
        L->i = j;
        if (!rulename && t->len == 1 && c == '_') {
            t->k = T_ANY;
            return;
        }
        t->k = T_IDENT;
        t->colon = j < L->n && s[j] == ':';
        return;
    }
    if (is_digit((unsigned char)c) || (c == '-' && i + 1 < L->n && is_digit((unsigned char)s[i + 1]))) {
        size_t j = i + (c == '-');
        long v = 0;
        while (j < L->n && is_digit((unsigned char)s[j])) {
            if (v < INT_MAX) v = v * 10 + (s[j] - '0');
            if (v > INT_MAX) v = INT_MAX;
            j++;
        }
        t->k = T_INT;
        t->ival = c == '-' ? -v : v;
        t->len = j - i;
        L->i = j;
        return;
    }
    if (c == '"' || c == '\'') {
        lex_quoted(p, t, c);
        return;
    }
    if (c == '/') {
        lex_regex(p, t);
        return;
    }
    static const struct { const char *s; tkind k; } multi[] = {
        {"<s>", T_SSTART}, {"</s>", T_SEND}, {"<p>", T_PSTART}, {"</p>", T_PEND},
        {"->", T_ARROW}, {"!=", T_NE},
    };
    for (size_t m = 0; m < sizeof multi / sizeof multi[0]; m++) {
        size_t ml = strlen(multi[m].s);
        if (L->n - i >= ml && memcmp(s + i, multi[m].s, ml) == 0) {
            t->k = multi[m].k;
            t->len = ml;
            L->i = i + ml;
            return;
        }
    }
    static const char singles[] = ":;,=()[]{}|&!?*+@<>$";
    static const tkind single_k[] = {T_COLON, T_SEMI, T_COMMA, T_EQ, T_LPAREN, T_RPAREN,
                                     T_LBRACK, T_RBRACK, T_LBRACE, T_RBRACE, T_BAR, T_AMP,
                                     T_BANG, T_QUEST, T_STAR, T_PLUS, T_AT, T_LT, T_GT, T_DOLLAR};
    const char *sp = c ? strchr(singles, c) : NULL;
    if (sp) {
        t->k = single_k[sp - singles];
        t->len = 1;
        L->i = i + 1;
        return;
    }
    /* unexpected character */
    size_t k = u8len((const unsigned char *)s + i, L->n - i);
    if (!k) k = 1;
    uint32_t cp = u8decode((const unsigned char *)s + i, k);
    if (cp > 0x20 && cp != 0x7F && cp < 0x80)
        lex_err(p, t->pos, "unexpected character '%c'", (char)cp);
    else if (cp >= 0xA0)
        lex_err(p, t->pos, "unexpected character '%.*s' (U+%04X)", (int)k, s + i, (unsigned)cp);
    else
        lex_err(p, t->pos, "unexpected character U+%04X", (unsigned)cp);
    t->k = T_BAD;
    t->len = k;
    L->i = i + k;
}

static void next(parser *p) { lex_next(p, 0); }

/* ---- token helpers ---------------------------------------------------------------------- */

static int is_kw(const parser *p, const char *kw)
{
    return p->cur.k == T_IDENT && strlen(kw) == p->cur.len &&
           memcmp(p->lx.s + p->cur.off, kw, p->cur.len) == 0;
}

/* "type" followed by a name opens a declaration ("type = ..." in an action's features,
 * or a macro named type, does not). */
static int is_type_kw(const parser *p)
{
    if (!is_kw(p, "type")) return 0;
    size_t o = peek_off(&p->lx, p->cur.off + p->cur.len);
    return o < p->lx.n && is_id0((unsigned char)p->lx.s[o]);
}

static int is_stmt_kw(const parser *p)
{
    return is_kw(p, "include") || is_kw(p, "lexicon") || is_kw(p, "macro") ||
           is_kw(p, "phase") || is_kw(p, "rule") || is_type_kw(p);
}

/* An IDENT that may be used as a name: a statement keyword at the start of a line always
 * starts a new statement (this keeps error recovery on track). */
static int ident_ok(const parser *p)
{
    return p->cur.k == T_IDENT && !(p->cur.bol && is_stmt_kw(p));
}

static char *cur_ident(parser *p) { return sdup(p, p->lx.s + p->cur.off, p->cur.len); }

static void stmt_begin(parser *p, int kind)
{
    p->stmt_kind = kind;
    p->stmt_name = NULL;
    p->stmt_errors = p->d->errors;
    p->stmt_types.n = 0;
}

/* Whether the statement being parsed had an error (it is then left out of the ast). */
static int stmt_bad(const parser *p) { return p->d->errors > p->stmt_errors; }

static void broken_add(parser *p, const char *name)
{
    if (name && VEC_PUSH(&p->ast->broken, name)) oom(p);
}

/* A statement with an error is left out: what it would have defined goes to
 * rule_ast.broken. */
static void stmt_drop(parser *p)
{
    if (p->stmt_kind == ST_RULE)
        for (size_t i = 0; i < p->stmt_types.n; i++) broken_add(p, p->stmt_types.v[i]);
    else if (p->stmt_kind != ST_NONE)
        broken_add(p, p->stmt_name);
    p->stmt_kind = ST_NONE;
}

/* Describes the current token for "found ..." in messages. */
static const char *found(parser *p)
{
    const tok *t = &p->cur;
    if (t->k == T_EOF) return "end of file";
    size_t n = t->len, max = 40;
    const char *s = p->lx.s + t->off;
    size_t cut = n;
    if (cut > max) {
        cut = 0;
        while (cut < max) {
            size_t k = u8len((const unsigned char *)s + cut, n - cut);
            if (!k) k = 1;
            if (cut + k > max) break;
            cut += k;
        }
    }
    const char *more = cut < n ? "..." : "";
    if (t->k == T_STRING || t->k == T_EXACT)
        snprintf(p->fbuf, sizeof p->fbuf, "string %.*s%s", (int)cut, s, more);
    else if (t->k == T_REGEX)
        snprintf(p->fbuf, sizeof p->fbuf, "regex %.*s%s", (int)cut, s, more);
    else
        snprintf(p->fbuf, sizeof p->fbuf, "'%.*s%s'", (int)cut, s, more);
    return p->fbuf;
}

/* Syntax error at the current token: report (unless the lexer already did) and abandon
 * the statement. at_prev_end: report just after the previous token when the current one
 * is on a later line (for a missing ';' and the like). */
static _Noreturn void syn_x(parser *p, int at_prev_end, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static _Noreturn void syn_x(parser *p, int at_prev_end, const char *fmt, ...)
{
    if (p->cur.k != T_BAD) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        srcpos at = p->cur.pos;
        if (at_prev_end && p->prev_end.line && p->prev_end.line < at.line) at = p->prev_end;
        err_at(p, at, "%s", msg);
    }
    longjmp(*p->stmt_jmp, 1);
}
#define syn(p, ...) syn_x((p), 0, __VA_ARGS__)
#define syn_end(p, ...) syn_x((p), 1, __VA_ARGS__)

static void enter(parser *p)
{
    if (++p->depth > MAX_DEPTH) syn(p, "pattern nested too deeply (more than %d levels)", MAX_DEPTH);
}

/* ---- node builders ---------------------------------------------------------------------- */

static pnode *pn_new(parser *p, pnode_kind k, srcpos pos)
{
    pnode *n = zalloc(p, sizeof *n);
    n->kind = k;
    n->pos = pos;
    return n;
}

static tnode *tn_new(parser *p, tnode_kind k, srcpos pos)
{
    tnode *n = zalloc(p, sizeof *n);
    n->kind = k;
    n->pos = pos;
    return n;
}

typedef struct kids { pnode **v; size_t n, cap; } kids;

static void kids_push(parser *p, kids *k, pnode *x)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 4;
        pnode **nv = zalloc(p, nc * sizeof *nv);
        if (k->n) memcpy(nv, k->v, k->n * sizeof *nv);
        k->v = nv;
        k->cap = nc;
    }
    k->v[k->n++] = x;
}

static pnode *pn_wrap(parser *p, pnode_kind k, srcpos pos, pnode *kid)
{
    pnode *n = pn_new(p, k, pos);
    n->kids = zalloc(p, sizeof *n->kids);
    n->kids[0] = kid;
    n->nkids = 1;
    return n;
}

/* ---- features ------------------------------------------------------------------------- */

/* '{' feat {',' feat} '}' ; cur is '{'. */
static feat_test *parse_feats(parser *p)
{
    feat_test *head = NULL, **tail = &head;
    next(p);
    for (;;) {
        if (!ident_ok(p)) syn(p, "expected a feature name in '{...}', found %s", found(p));
        feat_test *f = zalloc(p, sizeof *f);
        f->key = cur_ident(p);
        f->pos = p->cur.pos;
        next(p);
        if (p->cur.k == T_NE) f->negate = 1;
        else if (p->cur.k != T_EQ)
            syn(p, "expected '=' or '!=' after feature '%s', found %s", f->key, found(p));
        next(p);
        if (ident_ok(p)) f->value = cur_ident(p);
        else if (p->cur.k == T_STRING) f->value = p->cur.str;
        else
            syn(p, "expected a feature value (a name or a string) after '%s%s', found %s", f->key,
                f->negate ? "!=" : "=", found(p));
        next(p);
        *tail = f;
        tail = &f->next;
        if (p->cur.k == T_COMMA) { next(p); continue; }
        if (p->cur.k == T_RBRACE) { next(p); break; }
        syn(p, "expected ',' or '}' in the feature list, found %s", found(p));
    }
    return head;
}

/* After @NAME: is the '{' at cur the start of a quantifier (a digit follows)? */
static int brace_is_quant(const parser *p)
{
    size_t o = peek_off(&p->lx, p->cur.off + 1);
    return o < p->lx.n && (is_digit((unsigned char)p->lx.s[o]) || p->lx.s[o] == '-');
}

/* ---- token tests ------------------------------------------------------------------------ */

static tnode *t_or(parser *p);

static tnode *t_prim(parser *p, int in_brackets, const char *after)
{
    tok *t = &p->cur;
    tnode *n;
    switch (t->k) {
    case T_STRING:
    case T_EXACT:
        n = tn_new(p, t->k == T_STRING ? TN_WORD : TN_EXACT, t->pos);
        n->str = t->str;
        n->len = t->slen;
        if (!t->slen) err_at(p, t->pos, "empty string matches no token");
        next(p);
        return n;
    case T_REGEX:
        n = tn_new(p, TN_REGEX, t->pos);
        n->str = t->str;
        n->len = t->slen;
        n->re_flags = t->flags;
        if (!t->slen) err_at(p, t->pos, "empty regex");
        next(p);
        return n;
    case T_ANY:
        n = tn_new(p, TN_ANY, t->pos);
        next(p);
        return n;
    case T_IDENT: {
        const flag_name *f = rule_flag_lookup(p->lx.s + t->off, t->len);
        if (f) {
            n = tn_new(p, TN_FLAG, t->pos);
            n->flag_mask = f->flag_mask;
            n->kind_mask = f->kind_mask;
        } else {
            err_at(p, t->pos, "unknown flag '%.*s'%s", (int)t->len, p->lx.s + t->off,
                   in_brackets ? "" : " ('!' negates a single-token test, not a macro)");
            n = tn_new(p, TN_ANY, t->pos);
        }
        next(p);
        return n;
    }
    case T_LT:
        if (!in_brackets)
            syn(p, "an annotation test <TYPE> stands inside [...] (a token test), found %s",
                found(p));
        n = tn_new(p, TN_ANN, t->pos);
        next(p);
        if (!ident_ok(p))
            syn(p, "expected an annotation type after '<', found %s", found(p));
        n->str = cur_ident(p);
        n->len = p->cur.len;
        next(p);
        if (p->cur.k != T_GT)
            syn(p, "expected '>' after '<%s', found %s", n->str, found(p));
        next(p);
        return n;
    case T_AT:
        n = tn_new(p, TN_LEX1, t->pos);
        next(p);
        if (!ident_ok(p)) syn(p, "expected a lexicon name after '@', found %s", found(p));
        n->str = cur_ident(p);
        n->len = p->cur.len;
        next(p);
        if (p->cur.k == T_LBRACE && !brace_is_quant(p)) n->feats = parse_feats(p);
        return n;
    case T_LPAREN: {
        srcpos open = t->pos;
        enter(p);
        next(p);
        n = t_or(p);
        if (p->cur.k != T_RPAREN)
            syn(p, "expected ')' to close the '(' at %u:%u, found %s", open.line, open.col, found(p));
        next(p);
        p->depth--;
        return n;
    }
    default:
        syn(p, "expected a token test after '%s', found %s", after, found(p));
    }
}

static tnode *t_not(parser *p, const char *after)
{
    if (p->cur.k == T_BANG) {
        tnode *n = tn_new(p, TN_NOT, p->cur.pos);
        enter(p);
        next(p);
        n->a = t_not(p, "!");
        p->depth--;
        return n;
    }
    return t_prim(p, 1, after);
}

static tnode *t_and(parser *p, const char *after)
{
    tnode *a = t_not(p, after);
    while (p->cur.k == T_AMP) {
        tnode *n = tn_new(p, TN_AND, p->cur.pos);
        next(p);
        n->a = a;
        n->b = t_not(p, "&");
        a = n;
    }
    return a;
}

static tnode *t_or_after(parser *p, const char *after)
{
    tnode *a = t_and(p, after);
    while (p->cur.k == T_BAR) {
        tnode *n = tn_new(p, TN_OR, p->cur.pos);
        next(p);
        n->a = a;
        n->b = t_and(p, "|");
        a = n;
    }
    return a;
}

static tnode *t_or(parser *p) { return t_or_after(p, "("); }

/* ---- patterns --------------------------------------------------------------------------- */

static pnode *parse_alt(parser *p, const char *after);

static int starts_item(const parser *p)
{
    if (p->cur.k == T_IDENT) return ident_ok(p);
    switch (p->cur.k) {
    case T_STRING: case T_EXACT: case T_REGEX: case T_ANY: case T_LPAREN:
    case T_LBRACK: case T_BANG: case T_AT: case T_LT: case T_SSTART: case T_SEND:
    case T_PSTART: case T_PEND:
        return 1;
    default:
        return 0;
    }
}

static int is_quant(const parser *p)
{
    return p->cur.k == T_QUEST || p->cur.k == T_STAR || p->cur.k == T_PLUS || p->cur.k == T_LBRACE;
}

/* The word at cur is before/after and '(' follows. */
static int is_context_kw(const parser *p, const char *kw)
{
    if (!is_kw(p, kw)) return 0;
    size_t o = peek_off(&p->lx, p->cur.off + p->cur.len);
    return o < p->lx.n && p->lx.s[o] == '(';
}

static pnode *parse_primary(parser *p)
{
    tok *t = &p->cur;
    srcpos pos = t->pos;
    pnode *n;
    switch (t->k) {
    case T_LPAREN:
        enter(p);
        next(p);
        n = parse_alt(p, "(");
        if (p->cur.k != T_RPAREN)
            syn(p, "expected ')' to close the group opened at %u:%u, found %s", pos.line, pos.col,
                found(p));
        next(p);
        p->depth--;
        return n;
    case T_LBRACK: {
        enter(p);
        next(p);
        n = pn_new(p, PN_TOKEN, pos);
        n->test = t_or_after(p, "[");
        if (p->cur.k != T_RBRACK)
            syn(p, "expected ']' to close the token test opened at %u:%u, found %s", pos.line,
                pos.col, found(p));
        next(p);
        p->depth--;
        return n;
    }
    case T_STRING: case T_EXACT: case T_REGEX: case T_ANY:
        n = pn_new(p, PN_TOKEN, pos);
        n->test = t_prim(p, 0, "");
        return n;
    case T_BANG: {
        n = pn_new(p, PN_TOKEN, pos);
        n->test = tn_new(p, TN_NOT, pos);
        next(p);
        n->test->a = t_prim(p, 0, "!");
        return n;
    }
    case T_AT:
        n = pn_new(p, PN_LEX, pos);
        next(p);
        if (!ident_ok(p)) syn(p, "expected a lexicon name after '@', found %s", found(p));
        n->name = cur_ident(p);
        next(p);
        if (p->cur.k == T_LBRACE && !brace_is_quant(p)) n->feats = parse_feats(p);
        return n;
    case T_LT:
        n = pn_new(p, PN_ANNOT, pos);
        next(p);
        if (!ident_ok(p))
            syn(p, "expected an annotation type after '<', found %s", found(p));
        n->name = cur_ident(p);
        if (!strcmp(n->name, "s") || !strcmp(n->name, "p"))
            err_at(p, p->cur.pos,
                   "'%s' is not an annotation type: write the boundary as <%s> or </%s> without spaces",
                   n->name, n->name, n->name);
        next(p);
        if (p->cur.k != T_GT)
            syn(p, "expected '>' after '<%s', found %s", n->name, found(p));
        next(p);
        return n;
    case T_SSTART: case T_SEND: case T_PSTART: case T_PEND:
        n = pn_new(p, PN_ASSERT, pos);
        n->assert = t->k == T_SSTART ? AS_SENT_START : t->k == T_SEND ? AS_SENT_END
                  : t->k == T_PSTART ? AS_PARA_START : AS_PARA_END;
        next(p);
        return n;
    case T_IDENT: {
        int before = is_context_kw(p, "before");
        if (before || is_context_kw(p, "after")) {
            const char *kw = before ? "before" : "after";
            enter(p);
            next(p); /* the keyword */
            next(p); /* '(' */
            pnode *body = parse_alt(p, "(");
            if (p->cur.k != T_RPAREN)
                syn(p, "expected ')' to close %s(...) opened at %u:%u, found %s", kw, pos.line,
                    pos.col, found(p));
            next(p);
            p->depth--;
            return pn_wrap(p, before ? PN_BEFORE : PN_AFTER, pos, body);
        }
        const flag_name *f = rule_flag_lookup(p->lx.s + t->off, t->len);
        if (f) {
            n = pn_new(p, PN_TOKEN, pos);
            n->test = tn_new(p, TN_FLAG, pos);
            n->test->flag_mask = f->flag_mask;
            n->test->kind_mask = f->kind_mask;
        } else {
            n = pn_new(p, PN_MACRO, pos);
            n->name = cur_ident(p);
        }
        next(p);
        return n;
    }
    default:
        syn(p, "expected a pattern element, found %s", found(p));
    }
}

static const char *assert_text(assert_kind a)
{
    switch (a) {
    case AS_SENT_START: return "<s>";
    case AS_SENT_END: return "</s>";
    case AS_PARA_START: return "<p>";
    default: return "</p>";
    }
}

static pnode *parse_quant(parser *p, pnode *x)
{
    srcpos pos = p->cur.pos;
    int min, max;
    switch (p->cur.k) {
    case T_QUEST: min = 0; max = 1; next(p); break;
    case T_STAR: min = 0; max = -1; next(p); break;
    case T_PLUS: min = 1; max = -1; next(p); break;
    default: { /* '{' */
        next(p);
        if (p->cur.k != T_INT)
            syn(p, "expected a number after '{' in a quantifier, found %s", found(p));
        srcpos minpos = p->cur.pos, maxpos = p->cur.pos;
        long lo = p->cur.ival, hi = -1;
        next(p);
        int comma = 0, has_hi = 0;
        if (p->cur.k == T_COMMA) {
            comma = 1;
            next(p);
            if (p->cur.k == T_INT) {
                hi = p->cur.ival;
                has_hi = 1;
                maxpos = p->cur.pos;
                next(p);
            }
        }
        if (p->cur.k != T_RBRACE)
            syn(p, "expected '}' to close the quantifier, found %s", found(p));
        next(p);
        if (lo < 0 || lo > QUANT_MAX) {
            err_at(p, minpos, "quantifier bound %ld is out of range (0 to %d)", lo, QUANT_MAX);
            lo = lo < 0 ? 0 : QUANT_MAX;
        }
        if (!comma) {
            hi = lo;
        } else if (has_hi && (hi < 0 || hi > QUANT_MAX)) {
            err_at(p, maxpos, "quantifier bound %ld is out of range (0 to %d)", hi, QUANT_MAX);
            hi = hi < 0 ? lo : QUANT_MAX;
        }
        if (comma && !has_hi) {
            hi = -1;
        } else if (hi == 0) {
            err_at(p, pos, "quantifier %s matches nothing", comma ? "{0,0}" : "{0}");
            hi = 1;
        } else if (hi < lo) {
            err_at(p, pos, "quantifier maximum %ld is less than its minimum %ld", hi, lo);
            hi = lo;
        }
        min = (int)lo;
        max = (int)hi;
        break;
    }
    }
    if (x->kind == PN_ASSERT)
        err_at(p, pos, "a quantifier cannot be applied to the boundary %s", assert_text(x->assert));
    if (is_quant(p))
        syn(p, "a quantifier cannot follow another quantifier (use a group: (x+)?), found %s",
            found(p));
    pnode *r = pn_wrap(p, PN_REPEAT, pos, x);
    r->min = min;
    r->max = max;
    return r;
}

static pnode *parse_item(parser *p)
{
    const char *label = NULL;
    srcpos lpos = p->cur.pos;
    if (p->cur.k == T_IDENT && p->cur.colon) {
        label = cur_ident(p);
        next(p);
        next(p); /* ':' */
        if (!starts_item(p))
            syn(p, "expected a pattern element after label '%s:', found %s", label, found(p));
    }
    pnode *x = parse_primary(p);
    if (label && (x->kind == PN_BEFORE || x->kind == PN_AFTER)) {
        err_at(p, lpos, "a label cannot be put on %s(...)", x->kind == PN_BEFORE ? "before" : "after");
        label = NULL;
    }
    if (is_quant(p)) x = parse_quant(p, x);
    if (label) {
        pnode *c = pn_wrap(p, PN_CAPTURE, lpos, x);
        c->name = label;
        x = c;
    }
    return x;
}

static pnode *parse_seq(parser *p, const char *after)
{
    if (!starts_item(p)) {
        if (!strcmp(after, "|"))
            syn(p, "empty alternative: expected a pattern after '|', found %s", found(p));
        syn(p, "expected a pattern after '%s', found %s", after, found(p));
    }
    srcpos pos = p->cur.pos;
    kids k = {0};
    while (starts_item(p)) kids_push(p, &k, parse_item(p));
    if (k.n == 1) return k.v[0];
    pnode *n = pn_new(p, PN_SEQ, pos);
    n->kids = k.v;
    n->nkids = k.n;
    return n;
}

static pnode *parse_alt(parser *p, const char *after)
{
    enter(p);
    srcpos pos = p->cur.pos;
    pnode *first = parse_seq(p, after);
    if (p->cur.k != T_BAR) {
        p->depth--;
        return first;
    }
    kids k = {0};
    kids_push(p, &k, first);
    while (p->cur.k == T_BAR) {
        next(p);
        kids_push(p, &k, parse_seq(p, "|"));
    }
    pnode *n = pn_new(p, PN_ALT, pos);
    n->kids = k.v;
    n->nkids = k.n;
    p->depth--;
    return n;
}

/* before/after placement. */
static void ctx_walk(parser *p, const pnode *n, int in_macro)
{
    if (!n) return;
    if (n->kind == PN_BEFORE || n->kind == PN_AFTER) {
        const char *kw = n->kind == PN_BEFORE ? "before" : "after";
        if (in_macro)
            err_at(p, n->pos, "%s(...) cannot be used in a macro", kw);
        else
            err_at(p, n->pos, "%s(...) must be the %s item of the rule's pattern", kw,
                   n->kind == PN_BEFORE ? "first" : "last");
    }
    for (size_t i = 0; i < n->nkids; i++) ctx_walk(p, n->kids[i], in_macro);
}

static void check_context(parser *p, const pnode *n, int in_macro)
{
    if (!in_macro && n->kind == PN_SEQ) {
        for (size_t i = 0; i < n->nkids; i++) {
            const pnode *k = n->kids[i];
            if ((k->kind == PN_BEFORE && i == 0) || (k->kind == PN_AFTER && i == n->nkids - 1))
                ctx_walk(p, k->kids[0], 0);
            else
                ctx_walk(p, k, 0);
        }
    } else if (!in_macro && (n->kind == PN_BEFORE || n->kind == PN_AFTER)) {
        ctx_walk(p, n->kids[0], 0);
    } else {
        ctx_walk(p, n, in_macro);
    }
}

/* ---- statements ------------------------------------------------------------------------- */

static const char *file_path(const parser *p) { return p->ast->files.v[p->lx.file].path; }

static void open_file(parser *p, const char *resolved, srcpos at);

static void st_include(parser *p)
{
    next(p);
    if (p->cur.k != T_STRING)
        syn(p, "expected a file name (a string) after 'include', found %s", found(p));
    const char *resolved = path_resolve(p, file_path(p), p->cur.str);
    open_file(p, resolved, p->cur.pos);
    next(p);
}

static void st_lexicon(parser *p)
{
    next(p);
    if (!ident_ok(p)) syn(p, "expected a lexicon name after 'lexicon', found %s", found(p));
    lexicon_decl lx = {0};
    lx.name = cur_ident(p);
    lx.pos = p->cur.pos;
    p->stmt_name = lx.name;
    if (rule_flag_lookup(lx.name, strlen(lx.name)))
        err_at(p, lx.pos, "lexicon name '%s' is a flag name; choose another name", lx.name);
    next(p);
    if (p->cur.k != T_STRING)
        syn(p, "expected the file name (a string) of lexicon '%s', found %s", lx.name, found(p));
    if (!p->cur.slen) err_at(p, p->cur.pos, "empty file name for lexicon '%s'", lx.name);
    lx.path = path_resolve(p, file_path(p), p->cur.str);
    next(p);
    if (is_kw(p, "case")) {
        lx.case_sensitive = 1;
        next(p);
    }
    uint32_t idx;
    if (smap_get(&p->lexicons, lx.name, &idx)) {
        const lexicon_decl *o = &p->ast->lexicons.v[idx];
        const char *of = o->pos.file < p->ast->files.n ? p->ast->files.v[o->pos.file].path : "?";
        if (strcmp(o->path, lx.path))
            err_at(p, lx.pos,
                   "lexicon '%s' declared again with a different file '%s' (first declared at %s:%u with '%s')",
                   lx.name, lx.path, of, o->pos.line, o->path);
        else if (o->case_sensitive != lx.case_sensitive)
            err_at(p, lx.pos,
                   "lexicon '%s' declared again with a different 'case' setting (first declared at %s:%u)",
                   lx.name, of, o->pos.line);
        return;
    }
    if (stmt_bad(p)) { stmt_drop(p); return; }
    if (VEC_PUSH(&p->ast->lexicons, lx)) oom(p);
    smap_put(p, &p->lexicons, lx.name, (uint32_t)(p->ast->lexicons.n - 1));
}

static void st_macro(parser *p)
{
    next(p);
    if (!ident_ok(p)) syn(p, "expected a macro name after 'macro', found %s", found(p));
    macro_decl m = {0};
    m.name = cur_ident(p);
    m.pos = p->cur.pos;
    p->stmt_name = m.name;
    if (rule_flag_lookup(m.name, strlen(m.name)))
        err_at(p, m.pos, "macro name '%s' is a flag name; choose another name", m.name);
    next(p);
    if (p->cur.k != T_EQ) syn(p, "expected '=' after 'macro %s', found %s", m.name, found(p));
    next(p);
    m.body = parse_alt(p, "=");
    if (p->cur.k != T_SEMI) syn_end(p, "expected ';' after macro '%s', found %s", m.name, found(p));
    next(p);
    check_context(p, m.body, 1);
    uint32_t idx;
    if (smap_get(&p->macros, m.name, &idx)) {
        const macro_decl *o = &p->ast->macros.v[idx];
        err_at(p, m.pos, "duplicate macro name '%s' (first defined at %s:%u)", m.name,
               p->ast->files.v[o->pos.file].path, o->pos.line);
        return;
    }
    if (stmt_bad(p)) { stmt_drop(p); return; }
    if (VEC_PUSH(&p->ast->macros, m)) oom(p);
    smap_put(p, &p->macros, m.name, (uint32_t)(p->ast->macros.n - 1));
}

static uint32_t phase_get(parser *p, const char *name, srcpos pos)
{
    uint32_t idx;
    if (smap_get(&p->phases, name, &idx)) return idx;
    phase_decl ph = {name, 0, pos};
    if (VEC_PUSH(&p->ast->phases, ph)) oom(p);
    idx = (uint32_t)(p->ast->phases.n - 1);
    smap_put(p, &p->phases, name, idx);
    return idx;
}

static void st_phase(parser *p)
{
    next(p);
    if (!ident_ok(p)) syn(p, "expected a phase name after 'phase', found %s", found(p));
    char *name = cur_ident(p);
    srcpos pos = p->cur.pos;
    next(p);
    int all = 0;
    if (is_kw(p, "all")) {
        all = 1;
        next(p);
    }
    uint32_t idx = phase_get(p, name, pos);
    if (all) p->ast->phases.v[idx].keep_all = 1;
    p->cur_phase = (int)idx;
}

/* type NAME {, NAME} ; -- annotation types of the rule set's own (declared anywhere: the
 * compiler checks every action's type against the built-in and declared ones). */
static void st_type(parser *p)
{
    next(p);
    for (;;) {
        if (!ident_ok(p)) syn(p, "expected a type name after 'type', found %s", found(p));
        type_decl td = {cur_ident(p), p->cur.pos};
        if (VEC_PUSH(&p->ast->types, td)) oom(p);
        next(p);
        if (p->cur.k != T_COMMA) break;
        next(p);
    }
    if (p->cur.k != T_SEMI)
        syn_end(p, "expected ',' or ';' after type '%s', found %s",
                p->ast->types.v[p->ast->types.n - 1].name, found(p));
    next(p);
}

static void st_rule(parser *p)
{
    lex_next(p, 1);
    if (!ident_ok(p)) syn(p, "expected a rule name after 'rule', found %s", found(p));
    rule_decl r = {0};
    r.name = cur_ident(p);
    r.pos = p->cur.pos;
    next(p);
    if (is_kw(p, "priority")) {
        next(p);
        if (p->cur.k != T_INT)
            syn(p, "expected a number after 'priority' in rule '%s', found %s", r.name, found(p));
        if (p->cur.ival >= INT_MAX || p->cur.ival <= -INT_MAX)
            err_at(p, p->cur.pos, "priority of rule '%s' is out of range", r.name);
        r.priority = (int)p->cur.ival;
        next(p);
    }
    if (p->cur.k != T_COLON) syn(p, "expected ':' after rule '%s', found %s", r.name, found(p));
    next(p);
    r.pattern = parse_alt(p, ":");
    if (p->cur.k != T_ARROW)
        syn_end(p, "expected '->' after the pattern of rule '%s', found %s", r.name, found(p));
    next(p);
    size_t cap = 0;
    const char *after = "->";
    for (;;) {
        if (!ident_ok(p))
            syn(p, "expected an annotation type after '%s' in rule '%s', found %s", after, r.name,
                found(p));
        action_decl a = {0};
        a.type = cur_ident(p);
        a.pos = p->cur.pos;
        if (VEC_PUSH(&p->stmt_types, a.type)) oom(p);
        next(p);
        if (is_kw(p, "on")) {
            next(p);
            if (!ident_ok(p))
                syn(p, "expected a capture label after 'on', found %s", found(p));
            a.on = cur_ident(p);
            next(p);
        }
        if (p->cur.k == T_LBRACE) {
            size_t fcap = 0;
            next(p);
            for (;;) {
                if (!ident_ok(p))
                    syn(p, "expected a feature name in the features of %s, found %s", a.type, found(p));
                feat_set f = {0};
                f.key = cur_ident(p);
                f.pos = p->cur.pos;
                next(p);
                if (p->cur.k != T_EQ)
                    syn(p, "expected '=' after feature '%s', found %s", f.key, found(p));
                next(p);
                if (p->cur.k == T_DOLLAR) {
                    next(p);
                    if (!ident_ok(p))
                        syn(p, "expected a capture label after '$', found %s", found(p));
                    f.label = cur_ident(p);
                    next(p);
                } else if (p->cur.k == T_STRING) {
                    f.literal = p->cur.str;
                    next(p);
                } else {
                    syn(p, "expected '$label' or a string after '%s =', found %s", f.key, found(p));
                }
                for (size_t i = 0; i < a.nfeats; i++)
                    if (!strcmp(a.feats[i].key, f.key))
                        err_at(p, f.pos, "feature '%s' set twice in action %s", f.key, a.type);
                if (a.nfeats == fcap) {
                    size_t nc = fcap ? fcap * 2 : 4;
                    feat_set *nv = zalloc(p, nc * sizeof *nv);
                    if (a.nfeats) memcpy(nv, a.feats, a.nfeats * sizeof *nv);
                    a.feats = nv;
                    fcap = nc;
                }
                a.feats[a.nfeats++] = f;
                if (p->cur.k == T_COMMA) { next(p); continue; }
                if (p->cur.k == T_RBRACE) { next(p); break; }
                syn(p, "expected ',' or '}' in the features of %s, found %s", a.type, found(p));
            }
        }
        if (r.nactions == cap) {
            size_t nc = cap ? cap * 2 : 2;
            action_decl *nv = zalloc(p, nc * sizeof *nv);
            if (r.nactions) memcpy(nv, r.actions, r.nactions * sizeof *nv);
            r.actions = nv;
            cap = nc;
        }
        r.actions[r.nactions++] = a;
        if (p->cur.k != T_COMMA) break;
        next(p);
        after = ",";
    }
    if (p->cur.k != T_SEMI) syn_end(p, "expected ';' after rule '%s', found %s", r.name, found(p));
    next(p);
    check_context(p, r.pattern, 0);
    uint32_t idx;
    if (smap_get(&p->rules, r.name, &idx)) {
        const rule_decl *o = &p->ast->rules.v[idx];
        err_at(p, r.pos, "duplicate rule name '%s' (first defined at %s:%u)", r.name,
               p->ast->files.v[o->pos.file].path, o->pos.line);
        stmt_drop(p);
        return;
    }
    if (stmt_bad(p)) { stmt_drop(p); return; }
    if (p->cur_phase < 0) p->cur_phase = (int)phase_get(p, "main", r.pos);
    r.phase = (uint32_t)p->cur_phase;
    if (VEC_PUSH(&p->ast->rules, r)) oom(p);
    smap_put(p, &p->rules, r.name, (uint32_t)(p->ast->rules.n - 1));
}

/* Skips the rest of a statement with a syntax error. The action types of a rule among the
 * skipped words ("-> PERSON on n, ROLE on t") are taken for rule_ast.broken. */
static void sync_stmt(parser *p)
{
    int rule = p->stmt_kind == ST_RULE, arrow = 0, braces = 0;
    tkind prev = T_EOF;
    for (;;) {
        if (p->cur.k == T_EOF) break;
        if (p->cur.k == T_SEMI) { next(p); break; }
        if (p->cur.bol && is_stmt_kw(p)) break;
        if (rule) {
            if (p->cur.k == T_ARROW) arrow = 1;
            else if (p->cur.k == T_LBRACE) braces++;
            else if (p->cur.k == T_RBRACE && braces) braces--;
            else if (p->cur.k == T_IDENT && arrow && !braces && (prev == T_ARROW || prev == T_COMMA) &&
                     VEC_PUSH(&p->stmt_types, cur_ident(p)))
                oom(p);
        }
        prev = p->cur.k;
        p->quiet = 1;
        next(p);
        p->quiet = 0;
    }
    stmt_drop(p);
}

static void parse_body(parser *p)
{
    jmp_buf jb;
    jmp_buf *volatile saved = p->stmt_jmp;
    p->stmt_jmp = &jb;
    next(p);
    for (;;) {
        if (setjmp(jb)) sync_stmt(p);
        if (p->cur.k == T_EOF) break;
        p->depth = 0;
        stmt_begin(p, ST_NONE);
        if (is_kw(p, "include")) st_include(p);
        else if (is_kw(p, "lexicon")) { stmt_begin(p, ST_LEXICON); st_lexicon(p); }
        else if (is_kw(p, "macro")) { stmt_begin(p, ST_MACRO); st_macro(p); }
        else if (is_kw(p, "phase")) st_phase(p);
        else if (is_kw(p, "rule")) { stmt_begin(p, ST_RULE); st_rule(p); }
        else if (is_kw(p, "type")) st_type(p);
        else syn(p, "expected a statement (include, lexicon, macro, phase, rule or type), found %s", found(p));
    }
    p->stmt_jmp = saved;
}

/* Reports invalid UTF-8 (one report per run of invalid bytes). */
static void check_utf8(parser *p, uint32_t file)
{
    const rule_src *f = &p->ast->files.v[file];
    const unsigned char *s = (const unsigned char *)f->text;
    size_t n = f->len, i = 0;
    uint32_t line = 1, col = 1;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3; /* BOM */
    int reported = 0, in_run = 0;
    while (i < n) {
        size_t k = s[i] < 0x80 ? 1 : u8len(s + i, n - i);
        if (!k) {
            if (!in_run && reported++ < MAX_UTF8_REPORTS)
                err_at(p, (srcpos){file, line, col}, "invalid UTF-8 byte 0x%02X in rule file", s[i]);
            in_run = 1;
            i++;
            col++;
            continue;
        }
        in_run = 0;
        if (s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += k;
    }
}

/* Parses file index idx (already in ast->files) with the include stack and phase state. */
static void parse_file_idx(parser *p, uint32_t idx)
{
    lexer saved_lx = p->lx;
    tok saved_cur = p->cur;
    srcpos saved_prev = p->prev_end;
    int saved_phase = p->cur_phase;
    if (VEC_PUSH(&p->stack, idx)) oom(p);
    check_utf8(p, idx);
    const rule_src *f = &p->ast->files.v[idx];
    memset(&p->lx, 0, sizeof p->lx);
    p->lx.s = f->text;
    p->lx.n = f->len;
    p->lx.file = idx;
    p->lx.line = 1;
    if (f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0) p->lx.i = p->lx.line_start = 3;
    p->lx.cc_ls = (size_t)-1;
    memset(&p->cur, 0, sizeof p->cur);
    p->prev_end = (srcpos){idx, 0, 0};
    parse_body(p);
    p->stack.n--;
    p->lx = saved_lx;
    p->cur = saved_cur;
    p->prev_end = saved_prev;
    p->cur_phase = saved_phase;
}

static uint32_t add_file(parser *p, const char *path, char *txt, size_t len)
{
    rule_src f = {path, txt, len};
    if (VEC_PUSH(&p->ast->files, f)) {
        free(txt);
        oom(p);
    }
    uint32_t idx = (uint32_t)(p->ast->files.n - 1);
    smap_put(p, &p->files, path, idx);
    return idx;
}

/* Includes resolved (a normalised path); at: the include's path string, or RULE_NO_FILE. */
static void open_file(parser *p, const char *resolved, srcpos at)
{
    for (size_t i = 0; i < p->stack.n; i++) {
        if (strcmp(p->ast->files.v[p->stack.v[i]].path, resolved)) continue;
        buf b = {0};
        int bad = buf_printf(&b, "include cycle: ");
        for (size_t j = i; j < p->stack.n; j++)
            bad |= buf_printf(&b, "%s -> ", p->ast->files.v[p->stack.v[j]].path);
        bad |= buf_printf(&b, "%s", resolved);
        if (bad) { buf_free(&b); oom(p); }
        err_at(p, at, "%s", b.p);
        buf_free(&b);
        return;
    }
    uint32_t idx;
    if (smap_get(&p->files, resolved, &idx)) return; /* already parsed */
    if (p->stack.n >= MAX_INCLUDE_DEPTH) {
        err_at(p, at, "includes nested too deeply (more than %d levels)", MAX_INCLUDE_DEPTH);
        return;
    }
    char *txt = NULL;
    size_t len = 0;
    errno = 0;
    int r = (p->read ? p->read : read_fs)(resolved, &txt, &len, p->read_ud);
    if (r != 0 || !txt) {
        int e = errno ? errno : EIO;
        if (r == 0) free(txt);
        err_at(p, at, "cannot read '%s': %s", resolved, strerror(e));
        return;
    }
    parse_file_idx(p, add_file(p, resolved, txt, len));
}

static void parser_init(parser *p, rule_ast *ast, rule_read_fn read, void *ud, rule_diags *d)
{
    memset(p, 0, sizeof *p);
    p->ast = ast;
    p->d = d;
    p->read = read;
    p->read_ud = ud;
    p->errors0 = d->errors;
    p->cur_phase = -1;
}

/* Indexes what earlier calls left in ast. Returns -1 on OOM. */
static void parser_index(parser *p)
{
    rule_ast *a = p->ast;
    for (size_t i = 0; i < a->rules.n; i++) smap_put(p, &p->rules, a->rules.v[i].name, (uint32_t)i);
    for (size_t i = 0; i < a->macros.n; i++) smap_put(p, &p->macros, a->macros.v[i].name, (uint32_t)i);
    for (size_t i = 0; i < a->lexicons.n; i++)
        smap_put(p, &p->lexicons, a->lexicons.v[i].name, (uint32_t)i);
    for (size_t i = 0; i < a->phases.n; i++) smap_put(p, &p->phases, a->phases.v[i].name, (uint32_t)i);
    for (size_t i = 0; i < a->files.n; i++) smap_put(p, &p->files, a->files.v[i].path, (uint32_t)i);
}

static size_t parser_done(parser *p)
{
    VEC_FREE(&p->stack);
    VEC_FREE(&p->stmt_types);
    free(p->rules.e);
    free(p->macros.e);
    free(p->lexicons.e);
    free(p->phases.e);
    free(p->files.e);
    return p->d->errors - p->errors0;
}

size_t rules_parse_file(rule_ast *ast, const char *path, rule_read_fn read, void *read_ud,
                        rule_diags *d)
{
    rule_diags local = {0};
    if (!d) d = &local;
    parser *p = malloc(sizeof *p);
    if (!p) {
        rule_diag(d, ast, (srcpos){RULE_NO_FILE, 0, 0}, 0, "out of memory while parsing rules");
        return 1;
    }
    parser_init(p, ast, read, read_ud, d);
    if (!setjmp(p->top_jmp)) {
        parser_index(p);
        open_file(p, path_resolve(p, NULL, path), (srcpos){RULE_NO_FILE, 0, 0});
    }
    size_t n = parser_done(p);
    free(p);
    return n;
}

size_t rules_parse_text(rule_ast *ast, const char *name, const char *src, size_t len,
                        rule_read_fn read, void *read_ud, rule_diags *d)
{
    rule_diags local = {0};
    if (!d) d = &local;
    parser *p = malloc(sizeof *p);
    if (!p) {
        rule_diag(d, ast, (srcpos){RULE_NO_FILE, 0, 0}, 0, "out of memory while parsing rules");
        return 1;
    }
    parser_init(p, ast, read, read_ud, d);
    if (!setjmp(p->top_jmp)) {
        parser_index(p);
        char *copy = malloc(len + 1);
        if (!copy) oom(p);
        if (len) memcpy(copy, src, len);
        copy[len] = '\0';
        parse_file_idx(p, add_file(p, path_resolve(p, NULL, name ? name : "-"), copy, len));
    }
    size_t n = parser_done(p);
    free(p);
    return n;
}

/* ---- S-expression printer --------------------------------------------------------------- */

typedef struct sx { buf b; int err; } sx;

static void sx_put(sx *o, const char *s) { o->err |= buf_append(&o->b, s, strlen(s)); }

static void sx_quoted(sx *o, char q, const char *s, size_t n)
{
    o->err |= buf_putc(&o->b, q);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == q || c == '\\') {
            o->err |= buf_putc(&o->b, '\\');
            o->err |= buf_putc(&o->b, c);
        } else if (c == '\n') {
            sx_put(o, "\\n");
        } else if (c == '\t') {
            sx_put(o, "\\t");
        } else {
            o->err |= buf_putc(&o->b, c);
        }
    }
    o->err |= buf_putc(&o->b, q);
}

static void sx_feats(sx *o, const feat_test *f)
{
    if (!f) return;
    sx_put(o, " {");
    for (; f; f = f->next) {
        sx_put(o, f->key);
        sx_put(o, f->negate ? "!=" : "=");
        sx_quoted(o, '"', f->value, strlen(f->value));
        if (f->next) sx_put(o, ", ");
    }
    sx_put(o, "}");
}

static void sx_t(sx *o, const tnode *t)
{
    if (!t) { sx_put(o, "(null)"); return; }
    switch (t->kind) {
    case TN_WORD: sx_quoted(o, '"', t->str, t->len); break;
    case TN_EXACT: sx_quoted(o, '\'', t->str, t->len); break;
    case TN_REGEX:
        sx_put(o, "/");
        o->err |= buf_append(&o->b, t->str, t->len);
        sx_put(o, "/");
        sx_put(o, t->re_flags ? t->re_flags : "");
        break;
    case TN_FLAG: {
        const flag_name *f = rule_flag_names;
        while (f->name && !(f->flag_mask == t->flag_mask && f->kind_mask == t->kind_mask)) f++;
        if (f->name) {
            sx_put(o, "(flag ");
            sx_put(o, f->name);
            sx_put(o, ")");
        } else {
            o->err |= buf_printf(&o->b, "(flag 0x%x 0x%x)", (unsigned)t->flag_mask,
                                 (unsigned)t->kind_mask);
        }
        break;
    }
    case TN_LEX1:
        sx_put(o, "(lex1 ");
        sx_put(o, t->str);
        sx_feats(o, t->feats);
        sx_put(o, ")");
        break;
    case TN_ANN: sx_put(o, "(ann "); sx_put(o, t->str); sx_put(o, ")"); break;
    case TN_ANY: sx_put(o, "_"); break;
    case TN_NOT: sx_put(o, "(not "); sx_t(o, t->a); sx_put(o, ")"); break;
    case TN_AND: sx_put(o, "(and "); sx_t(o, t->a); sx_put(o, " "); sx_t(o, t->b); sx_put(o, ")"); break;
    case TN_OR: sx_put(o, "(or "); sx_t(o, t->a); sx_put(o, " "); sx_t(o, t->b); sx_put(o, ")"); break;
    }
}

static void sx_p(sx *o, const pnode *n)
{
    if (!n) { sx_put(o, "(null)"); return; }
    const char *head = NULL;
    switch (n->kind) {
    case PN_TOKEN: sx_t(o, n->test); return;
    case PN_LEX:
        sx_put(o, "(lex ");
        sx_put(o, n->name);
        sx_feats(o, n->feats);
        sx_put(o, ")");
        return;
    case PN_ANNOT: sx_put(o, "(annot "); sx_put(o, n->name); sx_put(o, ")"); return;
    case PN_ASSERT: sx_put(o, assert_text(n->assert)); return;
    case PN_MACRO: sx_put(o, "(macro "); sx_put(o, n->name); sx_put(o, ")"); return;
    case PN_CAPTURE:
        sx_put(o, n->name);
        sx_put(o, ":");
        sx_p(o, n->nkids ? n->kids[0] : NULL);
        return;
    case PN_REPEAT: o->err |= buf_printf(&o->b, "(rep %d %d", n->min, n->max); break;
    case PN_SEQ: head = "(seq"; break;
    case PN_ALT: head = "(alt"; break;
    case PN_BEFORE: head = "(before"; break;
    case PN_AFTER: head = "(after"; break;
    }
    if (head) sx_put(o, head);
    for (size_t i = 0; i < n->nkids; i++) {
        sx_put(o, " ");
        sx_p(o, n->kids[i]);
    }
    sx_put(o, ")");
}

char *rule_ast_sexpr(const rule_ast *ast, const pnode *n)
{
    (void)ast;
    sx o = {{0}, 0};
    sx_p(&o, n);
    if (o.err || !o.b.p) {
        buf_free(&o.b);
        return NULL;
    }
    return o.b.p;
}
