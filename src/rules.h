/* Rule language: the syntax tree the parser (rules_parse.c) produces and the compiler
 * (rules_compile.c) consumes, plus the diagnostics sink both report into.
 * The language itself is documented in docs/RULES.md. */
#ifndef QUARRY_RULES_H
#define QUARRY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "quarry.h"

/* ---- sources and diagnostics ---------------------------------------------------- */

/* A loaded source file. path is as given (relative paths resolved against the including
 * file's folder); text is NUL-terminated and owned by the rule_ast. */
typedef struct rule_src {
    const char *path;
    const char *text;
    size_t len;
} rule_src;

typedef struct srcpos {
    uint32_t file;   /* index into rule_ast.files (RULE_NO_FILE: no place in a file) */
    uint32_t line;   /* 1-based */
    uint32_t col;    /* 1-based, in code points */
} srcpos;

/* Reads a whole file; returns 0 and a malloc'd NUL-terminated buffer, or -1 with errno set.
 * The embedded default rule set supplies one that reads from the built-in table. */
typedef int (*rule_read_fn)(const char *path, char **text, size_t *len, void *userdata);

typedef struct rule_diags {
    quarry_diag_fn fn;       /* may be NULL */
    void *userdata;
    size_t errors, warnings;
    quarry_error first;      /* first error, for quarry_error out-parameters */
} rule_diags;

/* srcpos.file of a diagnostic that has no place in a file (e.g. an unreadable top file). */
#define RULE_NO_FILE UINT32_MAX

struct rule_ast;
/* Reports an error (is_warning 0) or warning at pos, printf-style, with the source line. */
void rule_diag(rule_diags *d, const struct rule_ast *ast, srcpos pos, int is_warning,
               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* ---- single-token tests -------------------------------------------------------------- */

typedef enum tnode_kind {
    TN_WORD,    /* "said": folded compare */
    TN_EXACT,   /* 'Said': exact bytes (NFC) compare */
    TN_REGEX,   /* /re/flags: PCRE2 on the token text, must match the whole token */
    TN_FLAG,    /* cap, allcaps, ...: token flag / kind test (flag_mask, kind_mask) */
    TN_LEX1,    /* @LEX inside [...]: the token alone is an entry of the lexicon */
    TN_ANN,     /* <TYPE> inside [...]: an annotation of an earlier phase starts at the token */
    TN_ANY,     /* _ */
    TN_NOT,     /* !a */
    TN_AND,     /* a & b */
    TN_OR       /* a | b */
} tnode_kind;

typedef struct feat_test {
    const char *key;
    const char *value;
    int negate;                  /* key!=value */
    srcpos pos;
    struct feat_test *next;
} feat_test;

typedef struct tnode {
    tnode_kind kind;
    srcpos pos;
    const char *str;             /* WORD/EXACT text (unescaped), REGEX pattern, LEX1 name,
                                    ANN type */
    size_t len;
    const char *re_flags;        /* REGEX: flag letters after the closing slash, e.g. "i" */
    uint32_t flag_mask;          /* FLAG: QUARRY_TF_* bits that must all be set */
    uint32_t kind_mask;          /* FLAG: token kinds (1 << tok_kind), 0 = any */
    feat_test *feats;            /* LEX1 */
    struct tnode *a, *b;         /* NOT (a), AND/OR (a, b) */
} tnode;

/* ---- patterns ------------------------------------------------------------------------- */

typedef enum pnode_kind {
    PN_TOKEN,    /* one token passing test */
    PN_LEX,      /* @LEX{feats}: one entry of a lexicon, any number of tokens */
    PN_ANNOT,    /* <TYPE>: one annotation of an earlier phase, all its tokens */
    PN_ASSERT,   /* <s> </s> <p> </p>: zero-width boundary */
    PN_SEQ,      /* kids in order; zero kids = empty */
    PN_ALT,      /* one of kids */
    PN_REPEAT,   /* kids[0] repeated min..max times (max < 0: unbounded) */
    PN_CAPTURE,  /* label:kids[0] */
    PN_MACRO,    /* reference to a macro, resolved by the compiler */
    PN_BEFORE,   /* before(kids[0]): left context, only first in a rule's top sequence */
    PN_AFTER     /* after(kids[0]): right context, only last in a rule's top sequence */
} pnode_kind;

typedef enum assert_kind { AS_SENT_START, AS_SENT_END, AS_PARA_START, AS_PARA_END } assert_kind;

typedef struct pnode {
    pnode_kind kind;
    srcpos pos;
    tnode *test;                 /* TOKEN */
    const char *name;            /* LEX, ANNOT, MACRO: the name; CAPTURE: the label */
    feat_test *feats;            /* LEX */
    assert_kind assert;          /* ASSERT */
    int min, max;                /* REPEAT */
    struct pnode **kids;
    size_t nkids;
} pnode;

/* ---- statements ------------------------------------------------------------------------- */

typedef struct lexicon_decl {
    const char *name;
    const char *path;            /* resolved against the declaring file's folder */
    int case_sensitive;
    srcpos pos;
} lexicon_decl;

typedef struct macro_decl {
    const char *name;
    pnode *body;
    srcpos pos;
    int used;                    /* set by the compiler; unused macros are warned about */
} macro_decl;

typedef struct phase_decl {
    const char *name;
    int keep_all;                /* "phase NAME all": overlapping matches are all kept */
    srcpos pos;
} phase_decl;

typedef struct type_decl {
    const char *name;            /* "type NAME;": an annotation type rules may make */
    srcpos pos;
} type_decl;

typedef struct feat_set {
    const char *key;
    const char *label;           /* $label, or NULL */
    const char *literal;         /* "text", or NULL */
    srcpos pos;
} feat_set;

typedef struct action_decl {
    const char *type;            /* annotation type, e.g. PERSON */
    const char *on;              /* capture label, NULL = the whole match */
    feat_set *feats;
    size_t nfeats;
    srcpos pos;
} action_decl;

typedef struct rule_decl {
    const char *name;
    int priority;
    uint32_t phase;              /* index into rule_ast.phases */
    pnode *pattern;
    action_decl *actions;
    size_t nactions;
    srcpos pos;
} rule_decl;

typedef struct rule_ast {
    arena mem;                   /* every node and string */
    VEC(rule_src) files;
    VEC(lexicon_decl) lexicons;
    VEC(macro_decl) macros;
    VEC(phase_decl) phases;
    VEC(rule_decl) rules;
    VEC(type_decl) types;        /* declared types, in order (a name may repeat) */
    /* names a statement with an error would have defined (a macro, a lexicon, the types of
       a rule's actions): the statement is left out, and the compiler does not report the
       names unknown where they are used (one error, not one per use) */
    VEC(const char *) broken;
} rule_ast;

/* Parses the rule file at path and everything it includes into ast (rule_ast_init first).
 * Reports every problem through d and carries on after errors where it can. Returns the
 * number of errors. read reads files (NULL: the real file system). */
size_t rules_parse_file(rule_ast *ast, const char *path, rule_read_fn read, void *read_ud,
                        rule_diags *d);
/* The same for text already in memory, named name. */
size_t rules_parse_text(rule_ast *ast, const char *name, const char *text, size_t len,
                        rule_read_fn read, void *read_ud, rule_diags *d);

void rule_ast_init(rule_ast *ast);
void rule_ast_free(rule_ast *ast);

/* The text of pos's source line (not NUL-terminated, line end excluded) and its length in
 * *len, or NULL when pos has no line (RULE_NO_FILE, line 0, past the end). */
const char *rule_src_line(const rule_ast *ast, srcpos pos, size_t *len);

/* A pattern as an S-expression, for tests and `quarry explain`; malloc'd, NULL on OOM.
 * Tokens: "word" 'exact' /re/flags _ (flag cap) (lex1 NAME {k="v"}) (not x) (and x y)
 * (or x y); patterns: (seq ...) (alt ...) (rep MIN MAX x) label:x (lex NAME {k="v", k!="v"})
 * (annot TYPE) <s> </s> <p> </p> (macro NAME) (before x) (after x). */
char *rule_ast_sexpr(const rule_ast *ast, const pnode *n);

/* The names accepted as flag tests and what they test, for the parser and the docs. */
typedef struct flag_name {
    const char *name;
    uint32_t flag_mask;
    uint32_t kind_mask;
} flag_name;
extern const flag_name rule_flag_names[];
const flag_name *rule_flag_lookup(const char *name, size_t len);

#endif
