/* INTERNAL hooks, not part of the public API (include/quarry.h): for `quarry bench`
 * (src/cli/bench.c) and the scaling tests (tests/test_scale.c). They may change with any
 * version; programs using libquarry should call quarry_extract. */
#ifndef QUARRY_STAGE_H
#define QUARRY_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "quarry.h"

/* How far quarry_internal_extract runs the pipeline. */
typedef enum quarry_stage {
    QUARRY_STAGE_TOKENS = 1,  /* UTF-8 check and offsets, tokens, sentences, paragraphs */
    QUARRY_STAGE_LEXICON,     /* + lexicon look-up at every token */
    QUARRY_STAGE_ALL          /* + quote pairing, rule phases, linking, records */
} quarry_stage;

/* quarry_extract, stopped after the given stage (QUARRY_STAGE_ALL is quarry_extract). */
quarry_status quarry_internal_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                                      const char *text, size_t len, const quarry_options *opts,
                                      quarry_error *err, quarry_stage upto);

/* Work counts of the last extraction, for benchmarks and linearity tests. */
typedef struct quarry_doc_stats {
    size_t tokens;
    size_t lex_hits;          /* lexicon entries found (0 before QUARRY_STAGE_LEXICON) */
    size_t annotations;       /* annotations of the rule phases, quote pairing and linking */
    size_t records;
    uint64_t steps;           /* VM steps of the rule phases */
    size_t arena_used;        /* bytes handed out by the document's arena */
    size_t arena_reserved;    /* bytes the arena holds (chunks) */
} quarry_doc_stats;

void quarry_internal_stats(const quarry_doc *doc, quarry_doc_stats *s);

/* Per-rule work of the rule phases (`quarry bench --profile`). */
typedef struct quarry_rule_prof {
    uint64_t tried;           /* positions where the start index named the rule */
    uint64_t skipped;         /* of those, skipped: its start guards or its first test failed */
    uint64_t started;         /* threads started */
    uint64_t steps;           /* VM steps of its threads */
    uint64_t matches;         /* complete matches, before overlap resolution */
    uint64_t kept;            /* matches that made annotations */
} quarry_rule_prof;

/* From now on, every extraction with doc adds its rules' work to prof (quarry_rules_count
 * entries, indexed like quarry_internal_rule); NULL stops counting. */
void quarry_internal_profile(quarry_doc *doc, quarry_rule_prof *prof);

/* Name and phase name of rule i (file order). */
const char *quarry_internal_rule(const quarry_rules *r, size_t i, const char **phase);

#endif
