/* Per-document state (struct quarry_doc): the text, its tokens, lexicon hits, the
 * annotations the rule phases made, and the records built from them. Everything lives in
 * one arena that quarry_extract resets; scratch buffers of the matcher are kept for reuse. */
#ifndef QUARRY_DOC_H
#define QUARRY_DOC_H

#include <stdio.h>

#include "lexicon.h"
#include "program.h"
#include "stage.h"
#include "text.h"
#include "token.h"

/* A feature value on an annotation: a token span of the document or a literal string. */
typedef struct afeat {
    uint32_t key;
    int32_t tstart, tend;     /* token span, tstart < 0 when literal */
    const char *literal;
} afeat;

typedef struct annot {
    uint32_t type;
    uint32_t tstart, tend;    /* token span, end exclusive */
    uint32_t rule;
    uint32_t phase;
    afeat *feats;
    uint32_t nfeats;
    uint32_t match;           /* index of the match (explain log) that made it */
    int32_t entity;           /* link.c: the entity (person) this mention belongs to, -1 none */
    const char *name;         /* link.c: canonical name and role, NULL = from the features */
    const char *role;
} annot;

#define RULE_LINK_ALIAS UINT32_MAX          /* annotations made by link.c, not by a rule */
#define RULE_LINK_SAME (UINT32_MAX - 1)
#define RULE_QUOTE_PAIR (UINT32_MAX - 2)     /* quote spans made by quote.c */
#define RULE_QUOTE_CONT (UINT32_MAX - 3)     /* continuation quotes made by link.c */

/* One accepted or rejected match, kept only when explaining. */
typedef struct match_log {
    uint32_t rule;
    uint32_t tstart, tend;    /* core span */
    int32_t *slots;           /* capture token positions (2 per label), -1 unset */
    int32_t beaten_by;        /* -1 accepted, else the index of the accepted match */
} match_log;

typedef struct match_scratch match_scratch;   /* match.c */

/* A lexicon hit that reaches a sentence end: its first token and its index in hits. */
typedef struct lex_xhit { uint32_t tok, hit; } lex_xhit;

/* A continuation quote and the statement it continues, by their byte spans (assemble.c). */
typedef struct cont_link { size_t start, end, pstart, pend; } cont_link;

/* A quote's speaker as speaker resolution (speakers.c) found it, one per annotation. */
typedef struct speaker {
    int has;                  /* the quote's rule named a speaker (else the speaker is null) */
    quarry_span mention;      /* the words at the attribution (absent: none of its own) */
    const char *name, *role;  /* whom the mention stands for, NULL when unresolved */
    const char *resolved;     /* how: quarry_record.speaker_resolved */
    const char *why;          /* the step that found it, in words (quarry explain) */
    int32_t ant;              /* the annotation the name came from, -1 none */
} speaker;

/* Where the current window lies in its document (quarry_extract_part), and the numbering
 * that goes on across windows; a document extracted whole is one window at 0. */
typedef struct doc_part {
    size_t base_b, base_c;    /* bytes and code points of the document before the window
                                 (as decoded: UTF-8) */
    size_t raw_end;           /* where the last window ended in the input as given */
    size_t base_tok;          /* tokens before the window */
    size_t next_q;            /* quote ids used before the window (q1 .. q<next_q>) */
    int first, last;          /* the document's first / last window: emitters' wrappers */
    unsigned brat_t, brat_e;  /* brat T and E ids written for the earlier windows */
} doc_part;

struct quarry_doc {
    arena mem;
    doc_part *part;           /* -> part_store: emitters (const doc) update the brat ids */
    doc_part part_store;
    const quarry_rules *rules;    /* of the last extraction, may be NULL */
    const char *id;
    text txt;
    tokens toks;
    /* lexicon hits: hits[hit_first[i] .. hit_first[i+1]) start at token i */
    uint32_t *hit_first;
    lex_hit *hits;
    uint64_t *lex1;           /* bit l: an entry of lexicon l (< 64) is this one token */
    /* made in the same walk over the tokens (lexicon.c), for the rule phases (match.c);
       n + 1 entries, the last for the end of the document */
    uint64_t *lexany;         /* bit l: an entry of lexicon l (< 64) starts at this token */
    uint32_t *wid;            /* the token's word id (quarry_rules.word_ids), 0 none */
    uint32_t *sid;            /* the sentence of each token (sentence ends before it) */
    uint32_t *sfirst;         /* the first token of each sentence, then n (nsent + 1) */
    uint32_t nsent;
    VEC(lex_xhit) xhits;      /* the hits whose tokens include a sentence end, in order */
    VEC(lex_hit) hitbuf;      /* the storage of hits, kept across documents */
    /* annotations, and an index by start token rebuilt after each phase */
    VEC(annot) anns;
    uint32_t *ann_first;      /* n+1 offsets into ann_order */
    uint32_t *ann_order;
    uint32_t *para;           /* paragraph of each token (doc_paragraphs), NULL until asked */
    /* speaker resolution: spk[i] for annotation i (NULL: no quote rules) */
    speaker *spk;
    /* quote assembly: the quote statements, in record order */
    VEC(quarry_record) quotes;
    VEC(cont_link) cont;
    /* output */
    VEC(quarry_record) recs;
    /* explain */
    int explain;
    VEC(match_log) log;
    match_scratch *ms;
    const quarry_options *opts;
    uint64_t steps;           /* VM steps of the last extraction (linearity checks) */
    struct quarry_rule_prof *prof;   /* per-rule work counters, or NULL (stage.h) */
};

/* The record kinds the extraction wants (quarry_options.only): 0 for both; both when
 * explaining, which shows every phase. */
static inline unsigned doc_only(const quarry_doc *doc)
{
    if (doc->explain || !doc->opts) return 0;
    unsigned o = doc->opts->only & (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES);
    return o == (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES) ? 0 : o;
}

/* ---- the stages, in the order a document travels (pipeline.c runs them) ---------------
 * text.c (UTF-8, offsets) -> token.c (tokens, sentences, paragraphs) -> lexicon.c (hits)
 * -> quote.c (quote marks) -> for each phase: match.c, then link.c when it made entities
 * -> speakers.c -> assemble.c -> records.c -> emit_*.c */

/* The lexicon entries at every token (lexicon.c). 0, -1 on OOM. */
int lexicon_hits(const quarry_rules *r, quarry_doc *doc);

/* Quote-mark pairing (quote.c): adds a QSPAN annotation over the content of every quote,
 * before the rule phases. 0, -1 on OOM. */
int quote_pair(const quarry_rules *r, quarry_doc *doc);
/* Is token k an apostrophe that touches another one after it: '' (two apostrophes), the
 * double quote mark of typewritten and some newspaper archive text (''Well,'' he said.)? */
int quote_two_apostrophes(const quarry_doc *doc, uint32_t k);

/* The rule phases (match.c). match_begin prepares the document (tokens, lexicon hits and
 * quote spans ready); match_phase runs phase ph and adds the annotations of its winning
 * matches; match_index re-indexes the annotations for the next phase (after linking).
 * 0, -1 on OOM. */
int match_begin(const quarry_rules *r, quarry_doc *doc);
uint32_t match_phase_count(const quarry_rules *r, const quarry_doc *doc);
int match_phase(const quarry_rules *r, quarry_doc *doc, uint32_t ph);
int match_made_entities(const quarry_rules *r, const quarry_doc *doc, size_t from);
int match_index(quarry_doc *doc);
void match_scratch_free(match_scratch *ms);

/* Document-level linking (link.c): clusters person mentions under their fullest name and
 * role, and marks later mentions of names already typed. Runs after each phase that made
 * entities, so later phases see the linked mentions. 0, -1 on OOM. */
int link_run(const quarry_rules *r, quarry_doc *doc);
/* After the last phase (link.c): a town's look-up PLACE mentions become ORG where the
 * document's context makes the town a sports side, then an ORG mention's fuller name, as its
 * `name` (no phase reads either, so they are found once per document, not after each
 * phase). 0, -1 on OOM. */
int link_org_names(const quarry_rules *r, quarry_doc *doc);

/* Speaker resolution (speakers.c): fills doc->spk. 0, -1 on OOM. */
int speakers_resolve(const quarry_rules *r, quarry_doc *doc);

/* Quote assembly (assemble.c): fills doc->quotes. 0, -1 on OOM. */
int quotes_assemble(const quarry_rules *r, quarry_doc *doc);

/* Builds doc->recs from the entity annotations and doc->quotes (records.c). 0, -1 OOM. */
int records_build(const quarry_rules *r, quarry_doc *doc);

/* ---- the document store every stage uses (doc.c) ---------------------------------- */

/* Adds an annotation made outside the rule phases (quote spans, linking); an empty span
 * is ignored. 0, -1 on OOM. */
int doc_add_annot(quarry_doc *doc, uint32_t type, uint32_t tstart, uint32_t tend, uint32_t rule,
                  int32_t entity);
/* Text of a token span as a NUL-terminated arena string (invalid bytes as U+FFFD). */
const char *doc_span_text(quarry_doc *doc, uint32_t tstart, uint32_t tend);
/* Fills a quarry_span for a token span. */
quarry_span doc_span(const quarry_doc *doc, uint32_t tstart, uint32_t tend);
/* The feature key of annotation a, NULL when it has none; its text (a literal or the text
 * of its token span), NULL for f NULL. */
const afeat *doc_feat(const quarry_rules *r, const annot *a, eng_key key);
const char *doc_feat_text(quarry_doc *doc, const afeat *f);
/* The input bytes at document byte offset off (a record's span) of the current window. */
static inline const char *doc_bytes(const quarry_doc *doc, size_t off)
{
    return doc->txt.src + (off - doc->part->base_b);
}
/* Is token k the one-byte token ch ("," ":")? */
static inline int doc_tok_is(const quarry_doc *doc, uint32_t k, char ch)
{
    const token *t = &doc->toks.v[k];
    return t->end - t->start == 1 && doc->txt.src[t->start] == ch;
}
/* The entry of engine lexicon lex that is token k alone, -1 when none. */
int32_t doc_lex_entry(const quarry_doc *doc, uint32_t k, eng_lex lex);
/* Name of the rule (or built-in step) that made an annotation. */
const char *annot_rule_name(const quarry_rules *r, const annot *a);
/* Paragraph number of each token (arena, made once per document), NULL on OOM. */
uint32_t *doc_paragraphs(quarry_doc *doc);
/* Record order: by start, longer first, entities before quotes, then type and rule. */
int record_cmp(const void *a, const void *b);
/* Sorts v[0..n) into record order (record_cmp), records equal in it kept in their order (a
 * stable sort; scratch from the document arena). 0, -1 on OOM. */
int doc_sort_records(quarry_doc *doc, quarry_record *v, size_t n);

/* Writes the explanation of the last extraction (emit_explain.c). */
int emit_explain(const quarry_doc *doc, FILE *out);
/* Emitters for people and tools (emit_inline.c, emit_html.c, emit_brat.c, emit_conll.c,
 * emit_tsv.c, emit_summary.c); flags as quarry_emit. 0, -1 on OOM. */
int emit_inline(const quarry_doc *doc, unsigned flags, FILE *out);
int emit_html(const quarry_doc *doc, unsigned flags, FILE *out);
int emit_html_begin(FILE *out);
int emit_html_end(FILE *out);
int emit_brat(const quarry_doc *doc, unsigned flags, FILE *out);
int emit_text(const quarry_doc *doc, FILE *out);
int emit_conll(const quarry_doc *doc, unsigned flags, FILE *out);
int emit_tsv(const quarry_doc *doc, unsigned flags, FILE *out);
int emit_tsv_header(FILE *out);
int emit_summary(const quarry_doc *doc, unsigned flags, FILE *out);

/* Reports a warning about the document through opts->warn. */
void doc_warn(quarry_doc *doc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
