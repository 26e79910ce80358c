/* The names the engine's C stages read from a rule set: annotation types, feature keys and
 * lexicons (docs/ARCHITECTURE.md, "Engine names"). Every stage refers to them by these ids,
 * resolved once when the rules are compiled (quarry_rules.eng_*; -1 when the rule set has
 * no such type or key). A lexicon the rule set does not declare is loaded from the shipped
 * file named here, so a stage never reads an empty list by accident. */
#ifndef QUARRY_ENGINE_H
#define QUARRY_ENGINE_H

typedef enum eng_type {
    ENG_PERSON,               /* linking, speakers, records (name, role) */
    ENG_PLACE,
    ENG_ORG,
    ENG_QUOTE,                /* quote assembly: a quote record */
    ENG_QSPAN,                /* quote pairing: the content of a pair of quote marks */
    ENG_QTITLE,               /* quote pairing: a quoted title ("The Revenant") */
    ENG_ROLE,                 /* speakers: a role ("the mayor" as a speaker is a role noun) */
    ENG_NTYPES
} eng_type;

typedef enum eng_key {
    ENG_K_TYPE,               /* QUOTE: direct | partial | indirect */
    ENG_K_SPEAKER,            /* QUOTE: the speaker mention (a capture) */
    ENG_K_CUE,                /* QUOTE: the cue verb (a capture) */
    ENG_K_SPEAKER_NAME,       /* QUOTE: the speaker's name, given by the rule */
    ENG_K_SPEAKER_ROLE,       /* QUOTE: the speaker's role, given by the rule */
    ENG_K_SPEAKER_IS,         /* QUOTE: "subject": no speaker words; the cue's sentence subject */
    ENG_K_NAME,               /* PERSON: canonical name */
    ENG_K_ROLE,               /* PERSON: role */
    ENG_NKEYS
} eng_key;

typedef enum eng_lex {
    ENG_L_GIVEN,              /* given names, feature gender=m|f|fm (speakers) */
    ENG_L_HONORIFIC,          /* Mr, Ms, Dr ..., feature gender=m|f (linking, speakers) */
    ENG_L_PRONOUN,            /* he, she, they; gender=m|f for one person (speakers) */
    ENG_L_TITLESMALL,         /* the small words of a title: of, the (quote pairing) */
    ENG_L_GENDERED,           /* father, spokeswoman ..., gender=m|f (speakers) */
    ENG_L_ORGNOUN,            /* it, company, firm, report: stand for an organisation (speakers) */
    ENG_L_DETERMINER,         /* the, a, his: a mention that describes someone (speakers);
                                 definite=1: "the" (a known one, not a new one) */
    ENG_L_TITLE,              /* mayor, prime minister: a role (entities, speakers) */
    ENG_L_ROLENOUN,           /* analyst, pundit: a descriptor before a name (linking), a
                                 person described ("the striker said": speakers) */
    ENG_L_DEMONYM,            /* American, Iranian: a person described ("the American said") */
    ENG_L_CUE,                /* said, told: a speech cue ends a role in apposition (linking) */
    ENG_L_STOP,               /* May, Friday: capitalised words that are no name alone, so never
                                 a bare surname mention of a person (linking) */
    ENG_L_COUNTRY,            /* Iran, England: a country's mentions keep their own type each
                                 (linking: no sports side's sense for the document) */
    ENG_NLEX
} eng_lex;

typedef struct eng_lex_def {
    const char *name;         /* the lexicon's name in the rule set */
    const char *shipped;      /* the shipped file used when the rule set does not declare it */
    int case_sensitive;
} eng_lex_def;

extern const char *const eng_type_names[ENG_NTYPES];
extern const char *const eng_key_names[ENG_NKEYS];
extern const eng_lex_def eng_lexicons[ENG_NLEX];

#endif
