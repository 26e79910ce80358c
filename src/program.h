/* The compiled form of a rule set (struct quarry_rules): single-token tests, one
 * instruction array for every rule's Pike-VM program, per-phase start indexes.
 * Built by rules_compile.c, run by match.c; immutable once built. */
#ifndef QUARRY_PROGRAM_H
#define QUARRY_PROGRAM_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "lexicon.h"
#include "rules.h"
#include "token.h"

/* A compiled single-token test. Tree-shaped tests (AND/OR/NOT) refer to children by index;
 * every test, children included, has its own result cache slot per token. */
typedef struct ctest {
    tnode_kind kind;
    uint64_t hash;            /* WORD: fold hash; EXACT: raw hash */
    const char *str;          /* EXACT bytes / regex source (for messages) */
    size_t len;
    pcre2_code *re;           /* REGEX */
    uint8_t jit;              /* REGEX: JIT-compiled (pcre2_jit_match may be called) */
    uint32_t flag_mask, kind_mask;
    int32_t lex;              /* LEX1 */
    const feat_test *feats;   /* LEX1 feature tests */
    uint32_t a, b;            /* children */
    const uint64_t *set;      /* OR of plain words only: their fold hashes, sorted */
    uint32_t nset;
    const uint64_t *hset;     /* the same as an open-addressing table (0 = empty slot) */
    uint32_t hmask;
    uint8_t set_has0;         /* a word whose hash is 0 */
    uint8_t set_raw;          /* the set holds exact words ('al' | 'bin'): raw hashes */
    const uint64_t *fkeys;    /* set_raw: the words' fold hashes, for the start index */
    /* A conjunction of flag, kind and one-token lexicon tests, decided from the token's flags
     * and lexicon bits without walking the tree; then the residual tests (rules_compile.c,
     * test_clauses). */
    uint8_t clause;
    uint32_t fl_req, fl_forb;     /* flags that must all be set / must all be clear */
    uint32_t fl_any, kind_any;    /* when either is set: one of these flags or kinds */
    uint32_t kind_ok;             /* allowed token kinds */
    uint64_t lex_req, lex_forb;   /* one-token lexicon bits (doc->lex1) */
    uint64_t ann_req, ann_forb;   /* annotation types (< 64) starting at the token */
    uint32_t resid[6];
    uint32_t nresid;
    uint32_t rule;            /* first rule using it, for limit messages */
    uint8_t has_ann;          /* holds an annotation test (TN_ANN, type id in lex): its result
                                 depends on the position, not only on the token */
} ctest;

typedef enum opcode {
    OP_TOKEN,   /* arg: test; consume one token */
    OP_LEX,     /* arg: lexicon, feats: feature tests; consume one entry */
    OP_ANNOT,   /* arg: annotation type; consume one annotation */
    OP_ASSERT,  /* arg: assert_kind; zero width */
    OP_SPLIT,   /* x preferred, then y */
    OP_JMP,     /* x */
    OP_SAVE,    /* arg: slot */
    OP_MATCH    /* arg: rule */
} opcode;

typedef struct inst {
    uint8_t op;
    uint32_t arg;
    uint32_t x, y;            /* SPLIT: x preferred, y; JMP: x; other ops: x is the next
                                 instruction, past any JMP (rules_compile.c, thread_jumps) */
    const feat_test *feats;
} inst;

/* A compiled action: make an annotation of type on the capture (or the whole match). */
typedef struct cfeat {
    uint32_t key;             /* interned feature key */
    int32_t slot;             /* capture label index, or -1 for a literal */
    const char *literal;
} cfeat;

typedef struct caction {
    uint32_t type;            /* interned type */
    int32_t label;            /* -1: the whole (core) match */
    cfeat *feats;
    size_t nfeats;
} caction;

/* A start guard (rules_guard.c): every match of the rule consumes, at most maxdist tokens
 * and maxsent sentence ends after its start, a token where one of the guard's atoms occurs
 * (several when the rule branches: ("said" | "according" "to")). The sentence bound does not
 * hold in a document where a test, lexicon or annotation type whose bit is in unsure (bit i:
 * the rule's unsure_ids[i]) has an occurrence crossing a sentence end. */
#define GUARD_INF UINT32_MAX
#define GUARD_ALTS 4
typedef struct guard_alt {
    uint32_t atom;            /* index into the phase's atoms */
    uint32_t maxdist, maxsent;
    uint64_t unsure;
} guard_alt;

typedef struct guard {
    uint32_t n;               /* alternatives, 1..GUARD_ALTS */
    guard_alt alt[GUARD_ALTS];
} guard;

enum { ATOM_TEST, ATOM_LEX, ATOM_TYPE };
/* unsure ids: an annotation type, or a lexicon or test id with its kind in the top bits */
#define UNSURE_LEX  0x80000000u
#define UNSURE_TEST 0x40000000u
#define UNSURE_KIND 0xC0000000u
typedef struct atom {
    uint8_t kind;             /* ATOM_* */
    uint8_t keyed;            /* found through its phase's atom_words (rules_word_index) */
    uint32_t id;              /* test, lexicon or annotation type */
    uint32_t kbit;            /* keyed: its bit in a row of atom_words (keyed atoms only) */
} atom;

typedef struct crule {
    const char *name;
    int priority;
    uint32_t phase;
    uint32_t order;           /* position in the rule set (file order) */
    uint32_t entry;           /* first instruction */
    uint32_t nlabels;         /* captures: slot 2+2k, 3+2k for label k */
    const char **labels;
    caction *actions;
    size_t nactions;
    srcpos pos;
    guard *guards;
    uint32_t nguards;
    uint32_t *unsure_ids;     /* UNSURE_* ids */
    uint32_t nunsure;
    uint64_t guard_unsure;    /* bits of the unsure ids on some guard's paths (rules_guard.c) */
    uint32_t first_test;      /* the one token test every match starts with, else UINT32_MAX:
                                 checked before a thread is started */
    uint8_t lookup_only;      /* every match is one token test or one lexicon entry, with no
                                 context or assertion: a gazetteer look-up (link.c lets a
                                 person's surname override its one-token annotations) */
} crule;

/* Start index of a phase: which rules may start at a token. */
typedef struct start_list {
    uint32_t *rules;
    size_t n;
    uint32_t id;              /* index among its phase's lists (the matcher's skip state) */
} start_list;

typedef struct flag_start {
    uint32_t flag_mask, kind_mask;
    start_list rules;
} flag_start;

typedef VEC(const char *) strvec;

typedef struct u64map {       /* open addressing, key 0 reserved */
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, n;
} u64map;

typedef struct cphase {
    const char *name;
    int keep_all;
    uint32_t *rules;          /* rule ids in this phase, file order */
    size_t nrules;
    uint32_t nslots;          /* max capture slots of its rules */
    /* first-token index */
    u64map by_word;           /* fold hash -> index into lists */
    u64map by_lex;            /* lexicon id + 1 -> list */
    u64map by_type;           /* annotation type + 1 -> list */
    VEC(start_list) lists;
    VEC(flag_start) by_flag;
    start_list always;
    uint32_t nstart_lists;    /* lists, by_flag and always, numbered by start_list.id */
    VEC(atom) atoms;          /* what the guards of its rules look for */
    /* by word id (quarry_rules.word_ids; 0: no word of interest): the guard atoms that can
       pass only on that word (a necessary condition, tested in full after) and the start list
       of the word (UINT32_MAX: none) */
    uint64_t *atom_words;     /* [(nwords + 1) * awords]: a row of bits per word id, bit
                                 kbit of the row for a keyed atom (any number of them) */
    uint32_t awords;          /* 64-bit words a row: (keyed atoms + 63) / 64, at least 1 */
    uint8_t *word_keyed;      /* [nwords + 1]: the word is a word of some keyed atom */
    uint32_t *word_list;      /* [nwords + 1] */
    uint32_t *lex_list;       /* by lexicon id: its start list, UINT32_MAX none */
    uint32_t nlex_list;
    uint32_t *type_list;      /* by annotation type: its start list, UINT32_MAX none */
    uint32_t ntype_list;
    /* the lexicons and annotation types (< 64) with a start list, for skipping the positions
       where no rule can start; can_skip is 0 when one with an id >= 64 has a list */
    uint64_t lex_starts, type_starts;
    int can_skip;
} cphase;

struct quarry_rules {
    rule_ast ast;             /* names and source positions live here */
    lexdb *lex;
    abbrev_set *abbrevs;
    VEC(ctest) tests;
    VEC(inst) prog;
    uint32_t *pc_rule;        /* the rule each instruction belongs to */
    VEC(crule) rules;
    VEC(cphase) phases;
    strvec types;             /* interned annotation types */
    uint32_t entity_phases;   /* the phases up to the last that makes entity records */
    strvec keys;              /* interned feature keys */
    /* the engine's names (engine.h): type and key ids, -1 when the rule set has none;
       lexicon ids (a lexicon the rule set lacks is loaded from its shipped file) */
    int32_t eng_type[ENG_NTYPES];
    int32_t eng_key[ENG_NKEYS];
    int32_t eng_lex[ENG_NLEX];
    pcre2_match_context *mctx;
    int jit;
    VEC(uint32_t) send_tests; /* tests in some rule's unsure_ids */
    uint64_t serial;          /* unique per rule set made in this process (caches key on it) */
    u64map word_ids;          /* fold hash -> 1.. for the words of start keys and guard atoms */
    uint32_t nwords;
};

/* Builds word_ids and each phase's atom_words and word_list (rules_compile.c). 0, -1 OOM. */
int rules_word_index(quarry_rules *r);

/* The mask part of a clause test (see ctest.clause). */
static inline int ctest_clause_masks(const ctest *t, const token *tk, uint64_t lex1,
                                     const uint64_t *anns)
{
    uint32_t f = tk->flags;
    if (t->ann_req | t->ann_forb) {   /* annotation tests: the types starting at the token */
        uint64_t a = anns ? *anns : 0;
        if ((a & t->ann_req) != t->ann_req || (a & t->ann_forb)) return 0;
    }
    if ((f & t->fl_req) != t->fl_req || (f & t->fl_forb)) return 0;
    if (!(t->kind_ok >> tk->kind & 1)) return 0;
    if ((t->fl_any | t->kind_any) && !(f & t->fl_any) && !(t->kind_any >> tk->kind & 1)) return 0;
    return (lex1 & t->lex_req) == t->lex_req && !(lex1 & t->lex_forb);
}

/* Is h (a token's fold hash) one of the words of a word-set test? */
static inline int ctest_set_has(const ctest *t, uint64_t h)
{
    if (!h) return t->set_has0;
    for (uint32_t i = (uint32_t)(h ^ h >> 29) & t->hmask;; i = (i + 1) & t->hmask) {
        if (t->hset[i] == h) return 1;
        if (!t->hset[i]) return 0;
    }
}

int u64map_put(u64map *m, uint64_t key, uint32_t val);   /* 0, -1 OOM; overwrites */
void u64map_free(u64map *m);

static inline uint64_t u64map_mix(uint64_t k)
{
    k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33;
    return k;
}

/* 1 found (*val set), 0 not; inline: the matcher looks up every token's word id */
static inline int u64map_get(const u64map *m, uint64_t key, uint32_t *val)
{
    if (!m->cap) return 0;
    if (key == 0) key = 0x9e3779b97f4a7c15ULL;   /* 0 marks an empty slot */
    size_t j = u64map_mix(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key) { *val = m->vals[j]; return 1; }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

/* The record an annotation type makes: none for a helper (_) or the built-in QSPAN, a
 * quote record for QUOTE, an entity record for any other type (records.c; linking and
 * quarry_options.only follow the same split). */
typedef enum type_record { TYPE_NO_RECORD, TYPE_ENTITY, TYPE_QUOTE } type_record;
static inline type_record type_record_of(const char *t)
{
    if (t[0] == '_' || strcmp(t, eng_type_names[ENG_QSPAN]) == 0) return TYPE_NO_RECORD;
    return strcmp(t, eng_type_names[ENG_QUOTE]) == 0 ? TYPE_QUOTE : TYPE_ENTITY;
}

/* Interned type/key ids; -1 when unknown (lookups) or on OOM (intern). */
int32_t rules_type_id(const quarry_rules *r, const char *name);
int32_t rules_intern(strvec *tab, arena *a, const char *name);

/* Computes the start guards of every rule (rules_guard.c). 0, -1 on OOM. */
int rules_guards(quarry_rules *r);

/* Regex limits for rule-set atoms (also applied to JIT). */
#define QUARRY_RE_MATCH_LIMIT 100000u
#define QUARRY_RE_DEPTH_LIMIT 1000u
#define QUARRY_RE_HEAP_LIMIT  4096u   /* KiB */

#endif
