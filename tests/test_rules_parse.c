/* Rule-file parser (src/rules_parse.c): table-driven tests of the AST each construct
 * produces (as S-expressions) and of every diagnostic, plus focused tests of includes,
 * phases, diagnostics plumbing and the real file system reader. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"
#include "token.h"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct memfile { const char *path, *text; } memfile;

/* A read callback serving a NULL-terminated table of in-memory files. */
static int mem_read(const char *path, char **out, size_t *len, void *ud)
{
    const memfile *fs = ud;
    for (; fs && fs->path; fs++) {
        if (strcmp(fs->path, path)) continue;
        size_t n = strlen(fs->text);
        *out = malloc(n + 1);
        if (!*out) { errno = ENOMEM; return -1; }
        memcpy(*out, fs->text, n + 1);
        *len = n;
        return 0;
    }
    errno = ENOENT;
    return -1;
}

typedef struct collected {
    buf text;           /* "file:line:col: error: message\n" per diagnostic */
    buf lines;          /* the source line given with each diagnostic, one per line */
    size_t calls;
} collected;

static void collect(const quarry_error *e, const char *line, size_t len, void *ud)
{
    collected *c = ud;
    c->calls++;
    buf_printf(&c->text, "%s:%d:%d: %s: %s\n", e->file, e->line, e->column,
               e->is_warning ? "warning" : "error", e->message);
    if (line) buf_append(&c->lines, line, len);
    buf_putc(&c->lines, '\n');
}

typedef struct parsed {
    rule_ast ast;
    rule_diags d;
    collected c;
    size_t nerr;
} parsed;

static void parse_with(parsed *r, const char *name, const char *src, const memfile *fs)
{
    memset(r, 0, sizeof *r);
    rule_ast_init(&r->ast);
    r->d.fn = collect;
    r->d.userdata = &r->c;
    r->nerr = rules_parse_text(&r->ast, name, src, strlen(src), fs ? mem_read : NULL,
                               (void *)fs, &r->d);
}

static void parsed_free(parsed *r)
{
    rule_ast_free(&r->ast);
    buf_free(&r->c.text);
    buf_free(&r->c.lines);
}

static const char *diags(const parsed *r) { return r->c.text.p ? r->c.text.p : ""; }

/* The whole AST, one statement a line. */
static char *dump(const rule_ast *a)
{
    buf b = {0};
    buf_append(&b, "", 0);
    for (size_t i = 0; i < a->lexicons.n; i++)
        buf_printf(&b, "lexicon %s %s%s\n", a->lexicons.v[i].name, a->lexicons.v[i].path,
                   a->lexicons.v[i].case_sensitive ? " case" : "");
    for (size_t i = 0; i < a->macros.n; i++) {
        char *s = rule_ast_sexpr(a, a->macros.v[i].body);
        buf_printf(&b, "macro %s = %s\n", a->macros.v[i].name, s);
        free(s);
    }
    for (size_t i = 0; i < a->phases.n; i++)
        buf_printf(&b, "phase %s%s\n", a->phases.v[i].name, a->phases.v[i].keep_all ? " all" : "");
    for (size_t i = 0; i < a->rules.n; i++) {
        const rule_decl *r = &a->rules.v[i];
        char *s = rule_ast_sexpr(a, r->pattern);
        buf_printf(&b, "rule %s %d %s : %s ->", r->name, r->priority, a->phases.v[r->phase].name, s);
        free(s);
        for (size_t j = 0; j < r->nactions; j++) {
            const action_decl *ac = &r->actions[j];
            buf_printf(&b, "%s %s", j ? "," : "", ac->type);
            if (ac->on) buf_printf(&b, " on %s", ac->on);
            if (ac->nfeats) {
                buf_printf(&b, " {");
                for (size_t k = 0; k < ac->nfeats; k++) {
                    const feat_set *f = &ac->feats[k];
                    if (f->label) buf_printf(&b, "%s%s=$%s", k ? ", " : "", f->key, f->label);
                    else buf_printf(&b, "%s%s=\"%s\"", k ? ", " : "", f->key, f->literal);
                }
                buf_printf(&b, "}");
            }
        }
        buf_printf(&b, "\n");
    }
    return b.p;
}

/* ---- patterns ------------------------------------------------------------------------------ */

typedef struct pcase { const char *pattern, *sexpr; } pcase;

static const pcase pattern_cases[] = {
    /* token atoms */
    {"\"said\"", "\"said\""},
    {"'Said'", "'Said'"},
    {"\"Zürich\"", "\"Zürich\""},
    {"\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\""},
    {"\"tab\\there\\n\"", "\"tab\\there\\n\""},
    {"'it\\'s' '\\\\'", "(seq 'it\\'s' '\\\\')"},
    {"/^[A-Z]\\/x$/i", "/^[A-Z]\\/x$/i"},
    {"/a b # c/x", "/a b # c/x"},
    {"/[0-9]+/", "/[0-9]+/"},
    {"_", "_"},
    /* flags: every name of the table */
    {"cap allcaps lower digit alpha abbrev sstart send pstart pend",
     "(seq (flag cap) (flag allcaps) (flag lower) (flag digit) (flag alpha) (flag abbrev) "
     "(flag sstart) (flag send) (flag pstart) (flag pend))"},
    {"oquote cquote aquote word num punct quote dash url email sym",
     "(seq (flag oquote) (flag cquote) (flag aquote) (flag word) (flag num) (flag punct) "
     "(flag quote) (flag dash) (flag url) (flag email) (flag sym))"},
    /* macros, lexicons, annotations, boundaries */
    {"NAME", "(macro NAME)"},
    {"_name2", "(macro _name2)"},
    {"@TITLE", "(lex TITLE)"},
    {"@GIVEN{gender=f, lang!=\"en\"}", "(lex GIVEN {gender=\"f\", lang!=\"en\"})"},
    {"@GIVEN { gender = \"f\" }", "(lex GIVEN {gender=\"f\"})"},
    {"@TITLE{2}", "(rep 2 2 (lex TITLE))"},
    {"@TITLE { 1 , 3 }", "(rep 1 3 (lex TITLE))"},
    {"@TITLE{kind=civil}{1,2}", "(rep 1 2 (lex TITLE {kind=\"civil\"}))"},
    {"<PERSON>", "(annot PERSON)"},
    {"<PERSON> <ORG>+", "(seq (annot PERSON) (rep 1 -1 (annot ORG)))"},
    {"<s> cap </s>", "(seq <s> (flag cap) </s>)"},
    {"<p> _ </p>", "(seq <p> _ </p>)"},
    /* bracketed token tests */
    {"[cap]", "(flag cap)"},
    {"[cap & !@TITLE]", "(and (flag cap) (not (lex1 TITLE)))"},
    {"[cap | digit & !lower]", "(or (flag cap) (and (flag digit) (not (flag lower))))"},
    {"[(cap | digit) & !\"the\"]", "(and (or (flag cap) (flag digit)) (not \"the\"))"},
    {"[!!cap]", "(not (not (flag cap)))"},
    {"[a|b]", NULL}, /* a, b are unknown flags: error case, see below */
    {"[@VERB{tense=past} | 'Says']", "(or (lex1 VERB {tense=\"past\"}) 'Says')"},
    {"[/^\\d+$/ & num | _]", "(or (and /^\\d+$/ (flag num)) _)"},
    {"[cap]+", "(rep 1 -1 (flag cap))"},
    /* negation outside brackets */
    {"!cap", "(not (flag cap))"},
    {"!\"the\"", "(not \"the\")"},
    {"!'The'", "(not 'The')"},
    {"!/x/", "(not /x/)"},
    {"!_", "(not _)"},
    {"!(cap | num)", "(not (or (flag cap) (flag num)))"},
    {"!@STOP", "(not (lex1 STOP))"},
    {"!@STOP{pos=det}", "(not (lex1 STOP {pos=\"det\"}))"},
    {"!@STOP{2}", "(rep 2 2 (not (lex1 STOP)))"},
    {"!cap*", "(rep 0 -1 (not (flag cap)))"},
    /* quantifiers */
    {"cap?", "(rep 0 1 (flag cap))"},
    {"cap*", "(rep 0 -1 (flag cap))"},
    {"cap+", "(rep 1 -1 (flag cap))"},
    {"cap{3}", "(rep 3 3 (flag cap))"},
    {"cap{2,}", "(rep 2 -1 (flag cap))"},
    {"cap{0,4}", "(rep 0 4 (flag cap))"},
    {"cap{0,}", "(rep 0 -1 (flag cap))"},
    {"cap{1000}", "(rep 1000 1000 (flag cap))"},
    {"cap{2,2}", "(rep 2 2 (flag cap))"},
    {"(\"a\" \"b\"){1,3}", "(rep 1 3 (seq \"a\" \"b\"))"},
    {"NAME?", "(rep 0 1 (macro NAME))"},
    /* sequence, alternation, grouping */
    {"\"a\" \"b\" \"c\"", "(seq \"a\" \"b\" \"c\")"},
    {"\"a\" | \"b\" \"c\"", "(alt \"a\" (seq \"b\" \"c\"))"},
    {"(\"a\" | \"b\") \"c\"", "(seq (alt \"a\" \"b\") \"c\")"},
    {"((cap))", "(flag cap)"},
    {"\"a\" | \"b\" | \"c\"", "(alt \"a\" \"b\" \"c\")"},
    /* labels */
    {"t:(@TITLE) n:(cap+)", "(seq t:(lex TITLE) n:(rep 1 -1 (flag cap)))"},
    {"n:cap+", "n:(rep 1 -1 (flag cap))"},
    {"who:<PERSON> v:@SAY", "(seq who:(annot PERSON) v:(lex SAY))"},
    {"a:(b:cap c:num)", "a:(seq b:(flag cap) c:(flag num))"},
    /* context */
    {"before(<QUOTE>) \"said\" after(punct)",
     "(seq (before (annot QUOTE)) \"said\" (after (flag punct)))"},
    {"before(\"the\" | \"a\") cap", "(seq (before (alt \"the\" \"a\")) (flag cap))"},
    {"cap after ( \",\" )", "(seq (flag cap) (after \",\"))"},
    {"before cap", "(seq (macro before) (flag cap))"},
    /* comments and layout */
    {"\"x\" # a comment \"z\"\n  \"y\"", "(seq \"x\" \"y\")"},
    {"\"x\"\r\n\t\"y\"", "(seq \"x\" \"y\")"},
    {"\"#\" '#' /#/", "(seq \"#\" '#' /#/)"},
};

Test(rules_parse, patterns)
{
    for (size_t i = 0; i < sizeof pattern_cases / sizeof pattern_cases[0]; i++) {
        const pcase *c = &pattern_cases[i];
        if (!c->sexpr) continue;
        char src[1024];
        snprintf(src, sizeof src, "rule r : %s -> X ;", c->pattern);
        parsed r;
        parse_with(&r, "test.rules", src, NULL);
        cr_expect_eq(r.nerr, 0, "pattern %s: unexpected errors:\n%s", c->pattern, diags(&r));
        if (r.ast.rules.n == 1) {
            char *s = rule_ast_sexpr(&r.ast, r.ast.rules.v[0].pattern);
            cr_expect_str_eq(s, c->sexpr, "pattern %s", c->pattern);
            free(s);
        } else {
            cr_expect_fail("pattern %s: %zu rules", c->pattern, r.ast.rules.n);
        }
        parsed_free(&r);
    }
}

/* ---- whole files --------------------------------------------------------------------------- */

typedef struct fcase { const char *name, *text, *dump; } fcase;

static const fcase file_cases[] = {
    {"empty.rules", "", ""},
    {"blank.rules", "\n\n   \t\n", ""},
    {"comments.rules", "# only a comment\n# another one", ""},
    {"bom.rules", "\xEF\xBB\xBFrule r : cap -> X ;", "phase main\nrule r 0 main : (flag cap) -> X\n"},
    {"rules/people.rules",
     "lexicon TITLE \"lex/titles.txt\"\nlexicon GIVEN \"../shared/given.txt\" case\n"
     "lexicon ABS \"/usr/share/quarry/x.txt\"\nlexicon DOT \"./a/./b/../c.txt\"\n",
     "lexicon TITLE rules/lex/titles.txt\nlexicon GIVEN shared/given.txt case\n"
     "lexicon ABS /usr/share/quarry/x.txt\nlexicon DOT rules/a/c.txt\n"},
    {"t.rules", "lexicon L \"a.txt\"\nlexicon L \"a.txt\"\n", "lexicon L a.txt\n"},
    {"t.rules", "macro NAME = cap+ ;\nmacro Q = \"said\" | \"says\";",
     "macro NAME = (rep 1 -1 (flag cap))\nmacro Q = (alt \"said\" \"says\")\n"},
    {"t.rules",
     "rule person.titled priority 5 : t:(@TITLE) n:(cap+) -> PERSON on n { role = $t }, ROLE on t ;",
     "phase main\nrule person.titled 5 main : (seq t:(lex TITLE) n:(rep 1 -1 (flag cap))) -> "
     "PERSON on n {role=$t}, ROLE on t\n"},
    {"t.rules", "rule quote.content-speaker_cue2 priority -3: \"x\" -> QUOTE {type=\"direct\", who = $s};",
     "phase main\nrule quote.content-speaker_cue2 -3 main : \"x\" -> QUOTE {type=\"direct\", who=$s}\n"},
    {"t.rules", "rule a : cap -> A ;\nphase names all\nrule b : num -> B ;\nphase quotes\n"
                "rule c : _ -> C ;\nphase names\nrule d : _ -> D ;",
     "phase main\nphase names all\nphase quotes\nrule a 0 main : (flag cap) -> A\n"
     "rule b 0 names : (flag num) -> B\nrule c 0 quotes : _ -> C\nrule d 0 names : _ -> D\n"},
    {"t.rules", "phase x\nrule a : cap -> A ;\nphase x all\n",
     "phase x all\nrule a 0 x : (flag cap) -> A\n"},
    {"t.rules", "phase p1 phase p2\nrule a:cap->A;", "phase p1\nphase p2\nrule a 0 p2 : (flag cap) -> A\n"},
    {"t.rules", "rule\n  multi.line\n  priority\n  2\n  :\n  cap\n  ->\n  A\n  ;\n",
     "phase main\nrule multi.line 2 main : (flag cap) -> A\n"},
    {"t.rules", "rule e : cap -> A {}",
     NULL}, /* error: see below */
};

Test(rules_parse, files)
{
    for (size_t i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++) {
        const fcase *c = &file_cases[i];
        if (!c->dump) continue;
        parsed r;
        parse_with(&r, c->name, c->text, NULL);
        cr_expect_eq(r.nerr, 0, "case %zu: unexpected errors:\n%s", i, diags(&r));
        char *s = dump(&r.ast);
        cr_expect_str_eq(s, c->dump, "case %zu (%s)", i, c->text);
        free(s);
        parsed_free(&r);
    }
}

/* ---- diagnostics --------------------------------------------------------------------------- */

typedef struct ecase { const char *text, *expect; } ecase;

static const ecase error_cases[] = {
    /* syntax */
    {"rule x : cap -> PERSON foo ;", "t.rules:1:24: error: expected ';' after rule 'x', found 'foo'"},
    {"rule x : \"ééé\" bar -> A foo ;", "1:25: error: expected ';' after rule 'x', found 'foo'"},
    {"rule x : cap -> A\nrule y : cap -> B ;", "1:18: error: expected ';' after rule 'x', found 'rule'"},
    {"foo bar ;", "1:1: error: expected a statement (include, lexicon, macro, phase, rule or type), found 'foo'"},
    {"rule x : cap -> A ; ;", "1:21: error: expected a statement (include, lexicon, macro, phase, rule or type), found ';'"},
    {"rule : cap -> A ;", "1:6: error: expected a rule name after 'rule', found ':'"},
    {"rule 9x : cap -> A ;", "1:6: error: expected a rule name after 'rule', found '9'"},
    {"rule x cap -> A ;", "1:8: error: expected ':' after rule 'x', found 'cap'"},
    {"rule x priority high : cap -> A ;", "1:17: error: expected a number after 'priority' in rule 'x', found 'high'"},
    {"rule x : cap A ;", "1:16: error: expected '->' after the pattern of rule 'x', found ';'"},
    {"rule x : -> A ;", "1:10: error: expected a pattern after ':', found '->'"},
    {"rule x : cap -> ;", "1:17: error: expected an annotation type after '->' in rule 'x', found ';'"},
    {"rule x : cap -> A, ;", "1:20: error: expected an annotation type after ',' in rule 'x', found ';'"},
    {"rule x : cap -> A on ;", "1:22: error: expected a capture label after 'on', found ';'"},
    {"rule x : cap -> A { role = t } ;", "1:28: error: expected '$label' or a string after 'role =', found 't'"},
    {"rule x : cap -> A { role $t } ;", "1:26: error: expected '=' after feature 'role', found '$'"},
    {"rule x : cap -> A { role = $ 5 } ;", "1:30: error: expected a capture label after '$', found '5'"},
    {"rule x : cap -> A { } ;", "1:21: error: expected a feature name in the features of A, found '}'"},
    {"rule x : cap -> A { a = \"1\" b = \"2\" } ;", "1:29: error: expected ',' or '}' in the features of A, found 'b'"},
    {"rule x : cap -> A { a = $t, a = \"x\" } ;", "1:29: error: feature 'a' set twice in action A"},
    {"rule e : cap -> A {}", "1:20: error: expected a feature name in the features of A, found '}'"},
    {"rule x : \"a\" | -> A ;", "1:16: error: empty alternative: expected a pattern after '|', found '->'"},
    {"rule x : (\"a\" | ) -> A ;", "1:17: error: empty alternative: expected a pattern after '|', found ')'"},
    {"rule x : ( | \"a\") -> A ;", "1:12: error: expected a pattern after '(', found '|'"},
    {"rule x : (\"a\" -> A ;", "1:15: error: expected ')' to close the group opened at 1:10, found '->'"},
    {"rule x : [cap -> A ;", "1:15: error: expected ']' to close the token test opened at 1:10, found '->'"},
    {"rule x : [] -> A ;", "1:11: error: expected a token test after '[', found ']'"},
    {"rule x : [cap &] -> A ;", "1:16: error: expected a token test after '&', found ']'"},
    {"rule x : [cap | ] -> A ;", "1:17: error: expected a token test after '|', found ']'"},
    {"rule x : [(cap] -> A ;", "1:15: error: expected ')' to close the '(' at 1:11, found ']'"},
    {"rule x : [<s>] -> A ;", "1:11: error: expected a token test after '[', found '<s>'"},
    {"rule x : !!cap -> A ;", "1:11: error: expected a token test after '!', found '!'"},
    {"rule x : @ 5 -> A ;", "1:12: error: expected a lexicon name after '@', found '5'"},
    {"rule x : [@] -> A ;", "1:12: error: expected a lexicon name after '@', found ']'"},
    {"rule x : @L{gender} -> A ;", "1:19: error: expected '=' or '!=' after feature 'gender', found '}'"},
    {"rule x : @L{gender=} -> A ;", "1:20: error: expected a feature value (a name or a string) after 'gender=', found '}'"},
    {"rule x : @L{a=b c=d} -> A ;", "1:17: error: expected ',' or '}' in the feature list, found 'c'"},
    {"rule x : @L{=b} -> A ;", "1:13: error: expected a feature name in '{...}', found '='"},
    {"rule x : <PERSON cap -> A ;", "1:18: error: expected '>' after '<PERSON', found 'cap'"},
    {"rule x : <5> -> A ;", "1:11: error: expected an annotation type after '<', found '5'"},
    {"rule x : < s > -> A ;", "1:12: error: 's' is not an annotation type: write the boundary as <s> or </s> without spaces"},
    {"rule x : <p > -> A ;", "1:11: error: 'p' is not an annotation type"},
    {"rule x : l: -> A ;", "1:13: error: expected a pattern element after label 'l:', found '->'"},
    {"rule x : cap{x} -> A ;", "1:14: error: expected a number after '{' in a quantifier, found 'x'"},
    {"rule x : cap{2 -> A ;", "1:16: error: expected '}' to close the quantifier, found '->'"},
    {"rule x : cap{2,x} -> A ;", "1:16: error: expected '}' to close the quantifier, found 'x'"},
    {"rule x : cap+? -> A ;", "1:14: error: a quantifier cannot follow another quantifier (use a group: (x+)?), found '?'"},
    {"rule x : cap{0} -> A ;", "1:13: error: quantifier {0} matches nothing"},
    {"rule x : cap{0,0} -> A ;", "1:13: error: quantifier {0,0} matches nothing"},
    {"rule x : cap{3,2} -> A ;", "1:13: error: quantifier maximum 2 is less than its minimum 3"},
    {"rule x : cap{1001} -> A ;", "1:14: error: quantifier bound 1001 is out of range (0 to 1000)"},
    {"rule x : cap{2,2000} -> A ;", "1:16: error: quantifier bound 2000 is out of range (0 to 1000)"},
    {"rule x : cap{-1} -> A ;", "1:14: error: quantifier bound -1 is out of range (0 to 1000)"},
    {"rule x : cap{99999999999999} -> A ;", "is out of range (0 to 1000)"},
    {"rule x : <s>+ -> A ;", "1:13: error: a quantifier cannot be applied to the boundary <s>"},
    {"rule x : cap - -> A ;", "1:14: error: unexpected character '-'"},
    {"rule x : cap % -> A ;", "1:14: error: unexpected character '%'"},
    {"rule x : cap é -> A ;", "1:14: error: unexpected character 'é' (U+00E9)"},
    {"rule x : cap \x01 -> A ;", "1:14: error: unexpected character U+0001"},
    {"macro M = cap", "1:14: error: expected ';' after macro 'M', found end of file"},
    {"macro M cap ;", "1:9: error: expected '=' after 'macro M', found 'cap'"},
    {"macro = cap ;", "1:7: error: expected a macro name after 'macro', found '='"},
    {"include 5", "1:9: error: expected a file name (a string) after 'include', found '5'"},
    {"lexicon \"x.txt\"", "1:9: error: expected a lexicon name after 'lexicon', found string \"x.txt\""},
    {"lexicon L", "1:10: error: expected the file name (a string) of lexicon 'L', found end of file"},
    {"lexicon L \"\"", "1:11: error: empty file name for lexicon 'L'"},
    {"phase ;", "1:7: error: expected a phase name after 'phase', found ';'"},
    {"rule x : /abc/ 'x' -> 'A' ;", "1:23: error: expected an annotation type after '->' in rule 'x', found string 'A'"},
    {"rule x : cap -> /re/ ;", "1:17: error: expected an annotation type after '->' in rule 'x', found regex /re/"},
    /* lexical */
    {"rule x : \"abc -> A ;", "1:10: error: unterminated string (missing closing '\"')"},
    {"rule x : 'abc -> A ;\nrule y : cap -> B ;", "1:10: error: unterminated string (missing closing \"'\")"},
    {"rule x : /abc -> A ;", "1:10: error: unterminated regex (missing closing '/')"},
    {"rule x : \"a\\qb\" -> A ;", "1:12: error: unknown escape '\\q' in string (allowed: \\\" \\\\ \\n \\t)"},
    {"rule x : 'a\\nb' -> A ;", "1:12: error: unknown escape '\\n' in string (allowed: \\' \\\\)"},
    {"rule x : \"\" -> A ;", "1:10: error: empty string matches no token"},
    {"rule x : // -> A ;", "1:10: error: empty regex"},
    {"rule x : \"\xff\" -> A ;", "1:11: error: invalid UTF-8 byte 0xFF in rule file"},
    {"rule x : \"é\xfe\" -> A ;", "1:12: error: invalid UTF-8 byte 0xFE in rule file"},
    {"# caf\xc3\n rule x : cap -> A ;", "1:6: error: invalid UTF-8 byte 0xC3 in rule file"},
    {"rule x : \"\xed\xa0\x80\" -> A ;", "1:11: error: invalid UTF-8 byte 0xED in rule file"},
    {"rule x : \xc0\xaf -> A ;", "1:10: error: invalid UTF-8 byte 0xC0 in rule file"},
    /* flags */
    {"rule x : [capp] -> A ;", "1:11: error: unknown flag 'capp'"},
    {"rule x : [a|b] -> A ;", "1:13: error: unknown flag 'b'"},
    {"rule x : !NAME -> A ;", "1:11: error: unknown flag 'NAME' ('!' negates a single-token test, not a macro)"},
    {"lexicon cap \"a.txt\"", "1:9: error: lexicon name 'cap' is a flag name; choose another name"},
    {"macro word = cap ;", "1:7: error: macro name 'word' is a flag name; choose another name"},
    /* duplicates */
    {"rule x : cap -> A ;\nrule x : num -> B ;", "2:6: error: duplicate rule name 'x' (first defined at t.rules:1)"},
    {"macro M = cap ;\n\nmacro M = num ;", "3:7: error: duplicate macro name 'M' (first defined at t.rules:1)"},
    {"lexicon L \"a.txt\"\nlexicon L \"b.txt\"", "2:9: error: lexicon 'L' declared again with a different file 'b.txt' (first declared at t.rules:1 with 'a.txt')"},
    {"lexicon L \"a.txt\"\nlexicon L \"a.txt\" case", "2:9: error: lexicon 'L' declared again with a different 'case' setting (first declared at t.rules:1)"},
    /* before / after */
    {"rule x : cap before(\"a\") -> A ;", "1:14: error: before(...) must be the first item of the rule's pattern"},
    {"rule x : after(\"a\") cap -> A ;", "1:10: error: after(...) must be the last item of the rule's pattern"},
    {"rule x : before(\"a\") cap | num -> A ;", "1:10: error: before(...) must be the first item of the rule's pattern"},
    {"rule x : cap (num after(\"a\")) \"b\" -> A ;", "1:19: error: after(...) must be the last item of the rule's pattern"},
    {"rule x : before(\"a\")? cap -> A ;", "1:10: error: before(...) must be the first item of the rule's pattern"},
    {"rule x : before(before(\"a\")) cap -> A ;", "1:17: error: before(...) must be the first item of the rule's pattern"},
    {"macro M = before(\"a\") cap ;", "1:11: error: before(...) cannot be used in a macro"},
    {"macro M = cap after(\"a\") ;", "1:15: error: after(...) cannot be used in a macro"},
    {"rule x : l:before(\"a\") cap -> A ;", "1:10: error: a label cannot be put on before(...)"},
    {"rule x : cap l:after(\"a\") -> A ;", "1:14: error: a label cannot be put on after(...)"},
    {"rule x : before(\"a\" -> A ;", "1:21: error: expected ')' to close before(...) opened at 1:10, found '->'"},
    /* includes (no reader entries: nothing exists) */
    {"include \"nope.rules\"", "1:9: error: cannot read 'nope.rules': No such file or directory"},
};

Test(rules_parse, errors)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const ecase *c = &error_cases[i];
        static const memfile none[] = {{NULL, NULL}};
        parsed r;
        parse_with(&r, "t.rules", c->text, none);
        cr_expect_geq(r.nerr, 1, "case %zu (%s): no error", i, c->text);
        cr_expect(strstr(diags(&r), c->expect) != NULL, "case %zu (%s):\nexpected: %s\ngot:\n%s", i,
                  c->text, c->expect, diags(&r));
        cr_expect_eq(r.nerr, r.d.errors, "case %zu", i);
        cr_expect_eq(r.c.calls, r.d.errors + r.d.warnings, "case %zu", i);
        parsed_free(&r);
    }
}

/* A syntax error is reported once, even when the parser then skips the statement. */
Test(rules_parse, one_error_per_mistake)
{
    static const char *const once[] = {
        "rule x : cap % -> A ;",
        "rule x : \"abc -> A ;",
        "rule x : cap -> PERSON foo bar baz ;",
        "rule x : cap{0} -> A ;",
        "...rules... % \"unterminated\nrule ok : cap -> A ;",
        "rule x : cap -> A foo % 'x ;\nrule ok : cap -> A ;",
        "rule x : l:before(\"a\") cap -> A ;",
    };
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
        parsed r;
        parse_with(&r, "t.rules", once[i], NULL);
        cr_expect_eq(r.nerr, 1, "%s:\n%s", once[i], diags(&r));
        parsed_free(&r);
    }
}

/* Errors do not stop the parse: every bad statement is reported, the good ones are kept. */
Test(rules_parse, recovery)
{
    const char *src =
        "rule good1 : cap -> A ;\n"
        "rule bad1 : cap -> A B ;\n"          /* 2:22 */
        "rule good2 : num -> B ;\n"
        "rule bad2 : [nope] -> A ;\n"         /* 4:14 semantic, rule left out */
        "macro M = ( cap\n"                   /* 6:1: missing ) */
        "rule good3 : M -> C ;\n"
        "lexicon\n"                           /* 8:1, at the next token */
        "phase p\n"
        "rule good4 : _ -> D ;\n"
        "garbage here\n"                      /* 10:1 */
        "rule good5 : _ -> E ;\n"
        "rule bad3 : \"x -> F ;\n"            /* 12:13 */
        "rule good6 : _ -> G ;\n";
    parsed r;
    parse_with(&r, "t.rules", src, NULL);
    const char *d = diags(&r);
    cr_expect(strstr(d, "t.rules:2:22: error: expected ';' after rule 'bad1', found 'B'"), "%s", d);
    cr_expect(strstr(d, "t.rules:4:14: error: unknown flag 'nope'"), "%s", d);
    cr_expect(strstr(d, "t.rules:6:1: error: expected ')' to close the group opened at 5:11, found 'rule'"), "%s", d);
    cr_expect(strstr(d, "t.rules:8:1: error: expected a lexicon name after 'lexicon', found 'phase'"), "%s", d);
    cr_expect(strstr(d, "t.rules:10:1: error: expected a statement"), "%s", d);
    cr_expect(strstr(d, "t.rules:12:13: error: unterminated string"), "%s", d);
    cr_expect_eq(r.nerr, 6, "%s", d);
    const char *want[] = {"good1", "good2", "good3", "good4", "good5", "good6"};
    cr_assert_eq(r.ast.rules.n, 6);
    for (size_t i = 0; i < 6; i++) cr_expect_str_eq(r.ast.rules.v[i].name, want[i]);
    cr_expect_str_eq(r.ast.phases.v[r.ast.rules.v[3].phase].name, "p");
    /* what the bad statements would have defined: the macro M, the type of bad1 and bad2,
       so that uses of them are no errors of their own */
    const char *broken[] = {"A", "M"};
    for (size_t k = 0; k < 2; k++) {
        int found = 0;
        for (size_t i = 0; i < r.ast.broken.n; i++) found |= !strcmp(r.ast.broken.v[i], broken[k]);
        cr_expect(found, "'%s' is not in rule_ast.broken", broken[k]);
    }
    parsed_free(&r);
}

/* type NAME {, NAME} ; declares annotation types; "type" followed by '=' is a feature. */
Test(rules_parse, type_declarations)
{
    parsed r;
    parse_with(&r, "t.rules",
               "type A, _B;\n"
               "rule x : cap -> A {\n"
               "    type = \"direct\" } ;\n"
               "type C ;\n", NULL);
    cr_expect_eq(r.nerr, 0, "%s", diags(&r));
    cr_assert_eq(r.ast.types.n, 3);
    cr_expect_str_eq(r.ast.types.v[0].name, "A");
    cr_expect_str_eq(r.ast.types.v[1].name, "_B");
    cr_expect_str_eq(r.ast.types.v[2].name, "C");
    cr_expect_eq(r.ast.types.v[2].pos.line, 4);
    cr_expect_eq(r.ast.rules.n, 1);
    parsed_free(&r);
    static const char *const bad[][2] = {
        {"type ;", "1:6: error: expected a type name after 'type', found ';'"},
        {"type A B;", "1:8: error: expected ',' or ';' after type 'A', found 'B'"},
        {"type A,;", "1:8: error: expected a type name after 'type', found ';'"},
    };
    for (size_t i = 0; i < 3; i++) {
        parse_with(&r, "t.rules", bad[i][0], NULL);
        cr_expect(strstr(diags(&r), bad[i][1]), "%s:\n%s", bad[i][0], diags(&r));
        cr_expect_eq(r.nerr, 1, "%s:\n%s", bad[i][0], diags(&r));
        parsed_free(&r);
    }
}

Test(rules_parse, too_deep)
{
    buf b = {0};
    buf_printf(&b, "rule deep : ");
    for (int i = 0; i < 5000; i++) buf_putc(&b, '(');
    buf_printf(&b, "cap");
    for (int i = 0; i < 5000; i++) buf_putc(&b, ')');
    buf_printf(&b, " -> A ;\nrule deep2 : [");
    for (int i = 0; i < 5000; i++) buf_putc(&b, '!');
    buf_printf(&b, "cap] -> A ;\nrule ok : cap -> A ;\n");
    parsed r;
    parse_with(&r, "t.rules", b.p, NULL);
    cr_expect_eq(r.nerr, 2, "%s", diags(&r));
    cr_expect(strstr(diags(&r), "1:"), "%s", diags(&r));
    cr_expect(strstr(diags(&r), "pattern nested too deeply (more than 200 levels)"), "%s", diags(&r));
    cr_expect_eq(r.ast.rules.n, 1);
    parsed_free(&r);
    buf_free(&b);
}

Test(rules_parse, too_many_errors)
{
    buf b = {0};
    for (int i = 0; i < 1000; i++) buf_printf(&b, "rule r%d : ;\n", i);
    parsed r;
    parse_with(&r, "t.rules", b.p, NULL);
    cr_expect_lt(r.nerr, 300);
    cr_expect(strstr(diags(&r), "too many errors; giving up"), "%s", diags(&r));
    parsed_free(&r);
    buf_free(&b);
}

/* ---- AST details --------------------------------------------------------------------------- */

Test(rules_parse, node_fields)
{
    parsed r;
    parse_with(&r, "t.rules",
               "lexicon GIVEN \"given.txt\" case\n"
               "rule r priority 7 :\n"
               "  /^a\\/b$/iu  [word & !sstart]  @GIVEN{g=\"f\", lang!=en}  'X'\n"
               "  -> PERSON { src = \"lit\" } ;\n",
               NULL);
    cr_assert_eq(r.nerr, 0, "%s", diags(&r));
    cr_assert_eq(r.ast.rules.n, 1);
    const rule_decl *rd = &r.ast.rules.v[0];
    cr_expect_eq(rd->priority, 7);
    cr_expect_eq(rd->pos.line, 2);
    cr_expect_eq(rd->pos.col, 6);
    const pnode *seq = rd->pattern;
    cr_assert_eq(seq->kind, PN_SEQ);
    cr_assert_eq(seq->nkids, 4);
    const tnode *re = seq->kids[0]->test;
    cr_expect_eq(re->kind, TN_REGEX);
    cr_expect_str_eq(re->str, "^a\\/b$");
    cr_expect_eq(re->len, 6);
    cr_expect_str_eq(re->re_flags, "iu");
    cr_expect_eq(re->pos.line, 3);
    cr_expect_eq(re->pos.col, 3);
    const tnode *an = seq->kids[1]->test;
    cr_assert_eq(an->kind, TN_AND);
    cr_expect_eq(an->a->kind, TN_FLAG);
    cr_expect_eq(an->a->flag_mask, 0u);
    cr_expect_eq(an->a->kind_mask, 1u << TK_WORD);
    cr_expect_eq(an->b->kind, TN_NOT);
    cr_expect_eq(an->b->a->flag_mask, QUARRY_TF_SENT_START);
    const pnode *lx = seq->kids[2];
    cr_assert_eq(lx->kind, PN_LEX);
    cr_expect_str_eq(lx->name, "GIVEN");
    cr_assert_not_null(lx->feats);
    cr_expect_str_eq(lx->feats->key, "g");
    cr_expect_str_eq(lx->feats->value, "f");
    cr_expect_eq(lx->feats->negate, 0);
    cr_assert_not_null(lx->feats->next);
    cr_expect_str_eq(lx->feats->next->value, "en");
    cr_expect_eq(lx->feats->next->negate, 1);
    cr_expect_null(lx->feats->next->next);
    const tnode *ex = seq->kids[3]->test;
    cr_expect_eq(ex->kind, TN_EXACT);
    cr_expect_str_eq(ex->str, "X");
    cr_assert_eq(rd->nactions, 1);
    cr_expect_str_eq(rd->actions[0].type, "PERSON");
    cr_expect_null(rd->actions[0].on);
    cr_assert_eq(rd->actions[0].nfeats, 1);
    cr_expect_str_eq(rd->actions[0].feats[0].literal, "lit");
    cr_expect_null(rd->actions[0].feats[0].label);
    cr_expect_eq(r.ast.lexicons.v[0].case_sensitive, 1);
    parsed_free(&r);
}

Test(rules_parse, asserts_and_strings)
{
    parsed r;
    parse_with(&r, "t.rules", "rule r : <s> </s> <p> </p> \"a\\tb\" -> A ;", NULL);
    cr_assert_eq(r.nerr, 0, "%s", diags(&r));
    const pnode *s = r.ast.rules.v[0].pattern;
    cr_assert_eq(s->nkids, 5);
    cr_expect_eq(s->kids[0]->kind, PN_ASSERT);
    cr_expect_eq(s->kids[0]->assert, AS_SENT_START);
    cr_expect_eq(s->kids[1]->assert, AS_SENT_END);
    cr_expect_eq(s->kids[2]->assert, AS_PARA_START);
    cr_expect_eq(s->kids[3]->assert, AS_PARA_END);
    cr_expect_eq(s->kids[4]->test->len, 3);
    cr_expect_str_eq(s->kids[4]->test->str, "a\tb");
    parsed_free(&r);
}

Test(rules_parse, flag_table)
{
    size_t n = 0;
    for (const flag_name *f = rule_flag_names; f->name; f++, n++) {
        cr_expect(f->flag_mask || f->kind_mask, "%s", f->name);
        cr_expect_eq(rule_flag_lookup(f->name, strlen(f->name)), f);
    }
    cr_expect_eq(n, 22);
    cr_expect_eq(rule_flag_lookup("cap", 3)->flag_mask, QUARRY_TF_CAP);
    cr_expect_eq(rule_flag_lookup("capx", 3)->flag_mask, QUARRY_TF_CAP); /* length-bounded */
    cr_expect_null(rule_flag_lookup("capx", 4));
    cr_expect_null(rule_flag_lookup("ca", 2));
    cr_expect_eq(rule_flag_lookup("oquote", 6)->flag_mask, QUARRY_TF_QOPEN);
    cr_expect_eq(rule_flag_lookup("cquote", 6)->flag_mask, QUARRY_TF_QCLOSE);
    cr_expect_eq(rule_flag_lookup("aquote", 6)->flag_mask, QUARRY_TF_QAMBIG);
    cr_expect_eq(rule_flag_lookup("send", 4)->flag_mask, QUARRY_TF_SENT_END);
    cr_expect_eq(rule_flag_lookup("pend", 4)->flag_mask, QUARRY_TF_PARA_END);
    cr_expect_eq(rule_flag_lookup("lstart", 6)->flag_mask, QUARRY_TF_LINE_START);
    cr_expect_eq(rule_flag_lookup("pstart", 6)->flag_mask, QUARRY_TF_PARA_START);
    cr_expect_eq(rule_flag_lookup("sym", 3)->kind_mask, 1u << TK_SYM);
    cr_expect_eq(rule_flag_lookup("email", 5)->kind_mask, 1u << TK_EMAIL);
}

/* ---- includes ------------------------------------------------------------------------------ */

Test(rules_parse, include_basic)
{
    static const memfile fs[] = {
        {"rules/lib/common.rules",
         "lexicon TITLE \"titles.txt\"\nmacro NAME = cap+ ;\ninclude \"../more/x.rules\"\n"},
        {"rules/more/x.rules", "rule from.x : NAME -> X ;\n"},
        {NULL, NULL},
    };
    parsed r;
    parse_with(&r, "rules/main.rules",
               "include \"lib/common.rules\"\nrule person : t:@TITLE n:NAME -> PERSON on n ;\n", fs);
    cr_assert_eq(r.nerr, 0, "%s", diags(&r));
    char *s = dump(&r.ast);
    cr_expect_str_eq(s, "lexicon TITLE rules/lib/titles.txt\n"
                        "macro NAME = (rep 1 -1 (flag cap))\n"
                        "phase main\n"
                        "rule from.x 0 main : (macro NAME) -> X\n"
                        "rule person 0 main : (seq t:(lex TITLE) n:(macro NAME)) -> PERSON on n\n");
    free(s);
    cr_assert_eq(r.ast.files.n, 3);
    cr_expect_str_eq(r.ast.files.v[0].path, "rules/main.rules");
    cr_expect_str_eq(r.ast.files.v[1].path, "rules/lib/common.rules");
    cr_expect_str_eq(r.ast.files.v[2].path, "rules/more/x.rules");
    cr_expect_eq(r.ast.rules.v[0].pos.file, 2);
    parsed_free(&r);
}

Test(rules_parse, include_cycle)
{
    static const memfile fs[] = {
        {"a.rules", "include \"b.rules\"\nrule a : cap -> A ;\n"},
        {"b.rules", "rule b : cap -> B ;\ninclude \"a.rules\"\n"},
        {"self.rules", "include \"./self.rules\"\n"},
        {NULL, NULL},
    };
    rule_ast ast;
    rule_ast_init(&ast);
    collected c = {0};
    rule_diags d = {.fn = collect, .userdata = &c};
    size_t n = rules_parse_file(&ast, "a.rules", mem_read, (void *)fs, &d);
    cr_expect_eq(n, 1, "%s", c.text.p);
    cr_expect(strstr(c.text.p, "b.rules:2:9: error: include cycle: a.rules -> b.rules -> a.rules"), "%s",
              c.text.p);
    cr_expect_eq(ast.rules.n, 2);
    n = rules_parse_file(&ast, "self.rules", mem_read, (void *)fs, &d);
    cr_expect_eq(n, 1);
    cr_expect(strstr(c.text.p, "self.rules:1:9: error: include cycle: self.rules -> self.rules"), "%s",
              c.text.p);
    cr_expect_str_eq(d.first.message, "include cycle: a.rules -> b.rules -> a.rules");
    cr_expect_str_eq(d.first.file, "b.rules");
    cr_expect_eq(d.first.line, 2);
    cr_expect_eq(d.first.column, 9);
    cr_expect_eq(d.first.code, QUARRY_ERR_RULES);
    rule_ast_free(&ast);
    buf_free(&c.text);
    buf_free(&c.lines);
}

Test(rules_parse, include_twice_parsed_once)
{
    static const memfile fs[] = {
        {"x.rules", "include \"common.rules\"\nrule x : M -> X ;\n"},
        {"y.rules", "include \"sub/../common.rules\"\nrule y : M -> Y ;\n"},
        {"common.rules", "macro M = cap ;\nrule c : M -> C ;\n"},
        {NULL, NULL},
    };
    parsed r;
    parse_with(&r, "main.rules", "include \"x.rules\"\ninclude \"y.rules\"\ninclude \"common.rules\"\n", fs);
    cr_expect_eq(r.nerr, 0, "%s", diags(&r));
    cr_expect_eq(r.ast.files.n, 4);
    cr_expect_eq(r.ast.macros.n, 1);
    cr_expect_eq(r.ast.rules.n, 3);
    /* a separate parse into the same AST also skips files already loaded */
    size_t n = rules_parse_file(&r.ast, "y.rules", mem_read, (void *)fs, &r.d);
    cr_expect_eq(n, 0);
    cr_expect_eq(r.ast.rules.n, 3);
    parsed_free(&r);
}

Test(rules_parse, include_phases)
{
    static const memfile fs[] = {
        {"names.rules", "rule n1 : cap -> N ;\nphase inner all\nrule n2 : cap -> N ;\n"},
        {NULL, NULL},
    };
    parsed r;
    parse_with(&r, "main.rules",
               "phase outer\ninclude \"names.rules\"\nrule m : cap -> M ;\n", fs);
    cr_expect_eq(r.nerr, 0, "%s", diags(&r));
    char *s = dump(&r.ast);
    cr_expect_str_eq(s, "phase outer\nphase inner all\n"
                        "rule n1 0 outer : (flag cap) -> N\n"
                        "rule n2 0 inner : (flag cap) -> N\n"
                        "rule m 0 outer : (flag cap) -> M\n");
    free(s);
    parsed_free(&r);
}

Test(rules_parse, include_errors_in_included_file)
{
    static const memfile fs[] = {
        {"lib/bad.rules", "\n\nrule b : cap -> B foo ;\n"},
        {"lib/dup.rules", "rule m : cap -> M ;\n"},
        {NULL, NULL},
    };
    parsed r;
    parse_with(&r, "main.rules",
               "include \"lib/bad.rules\"\nrule m : cap -> M ;\ninclude \"lib/dup.rules\"\n"
               "include \"lib/missing.rules\"\n",
               fs);
    const char *d = diags(&r);
    cr_expect_eq(r.nerr, 3, "%s", d);
    cr_expect(strstr(d, "lib/bad.rules:3:19: error: expected ';' after rule 'b', found 'foo'\n"), "%s", d);
    cr_expect(strstr(d, "lib/dup.rules:1:6: error: duplicate rule name 'm' (first defined at main.rules:2)\n"), "%s", d);
    cr_expect(strstr(d, "main.rules:4:9: error: cannot read 'lib/missing.rules': No such file or directory\n"), "%s", d);
    /* diagnostics come in file order: bad.rules before main.rules:4 */
    cr_expect_lt(strstr(d, "lib/bad.rules"), strstr(d, "main.rules:4"));
    parsed_free(&r);
}

Test(rules_parse, separate_files_share_names)
{
    static const memfile fs[] = {
        {"a.rules", "phase names\nrule r : cap -> A ;\nmacro M = cap ;\nlexicon L \"l.txt\"\n"},
        {"b.rules", "rule s : cap -> B ;\nphase names\nrule r : num -> B ;\nmacro M = num ;\nlexicon L \"l.txt\"\n"},
        {NULL, NULL},
    };
    rule_ast ast;
    rule_ast_init(&ast);
    collected c = {0};
    rule_diags d = {.fn = collect, .userdata = &c};
    cr_expect_eq(rules_parse_file(&ast, "a.rules", mem_read, (void *)fs, &d), 0);
    cr_expect_eq(rules_parse_file(&ast, "b.rules", mem_read, (void *)fs, &d), 2);
    cr_expect(strstr(c.text.p, "b.rules:3:6: error: duplicate rule name 'r' (first defined at a.rules:2)"), "%s", c.text.p);
    cr_expect(strstr(c.text.p, "b.rules:4:7: error: duplicate macro name 'M' (first defined at a.rules:3)"), "%s", c.text.p);
    /* b.rules starts in the implicit phase "main", then re-opens "names" */
    cr_assert_eq(ast.phases.n, 2);
    cr_expect_str_eq(ast.phases.v[0].name, "names");
    cr_expect_str_eq(ast.phases.v[1].name, "main");
    cr_expect_eq(ast.rules.v[1].phase, 1);
    rule_ast_free(&ast);
    buf_free(&c.text);
    buf_free(&c.lines);
}

Test(rules_parse, missing_top_file)
{
    rule_ast ast;
    rule_ast_init(&ast);
    collected c = {0};
    rule_diags d = {.fn = collect, .userdata = &c};
    static const memfile fs[] = {{NULL, NULL}};
    cr_expect_eq(rules_parse_file(&ast, "missing.rules", mem_read, (void *)fs, &d), 1);
    cr_expect_str_eq(c.text.p, ":0:0: error: cannot read 'missing.rules': No such file or directory\n");
    cr_expect_str_eq(d.first.file, "");
    cr_expect_eq(d.first.line, 0);
    cr_expect_eq(ast.files.n, 0);
    rule_ast_free(&ast);
    buf_free(&c.text);
    buf_free(&c.lines);
}

Test(rules_parse, real_file_system)
{
    char dir[] = "/tmp/quarry-rp-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256], sub[256], inc[256];
    snprintf(path, sizeof path, "%s/main.rules", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(inc, sizeof inc, "%s/sub/x.rules", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("include \"sub/x.rules\"\ninclude \"sub\"\ninclude \"nope.rules\"\nrule top : M -> T ;\n", f);
    fclose(f);
    f = fopen(inc, "w");
    cr_assert_not_null(f);
    fputs("macro M = cap ;\n", f);
    fclose(f);

    rule_ast ast;
    rule_ast_init(&ast);
    collected c = {0};
    rule_diags d = {.fn = collect, .userdata = &c};
    size_t n = rules_parse_file(&ast, path, NULL, NULL, &d);
    cr_expect_eq(n, 2, "%s", c.text.p);
    char want[512];
    snprintf(want, sizeof want, "%s:2:9: error: cannot read '%s/sub': Is a directory", path, dir);
    cr_expect(strstr(c.text.p, want), "%s", c.text.p);
    snprintf(want, sizeof want, "%s:3:9: error: cannot read '%s/nope.rules': No such file or directory", path, dir);
    cr_expect(strstr(c.text.p, want), "%s", c.text.p);
    cr_expect_eq(ast.rules.n, 1);
    cr_expect_eq(ast.macros.n, 1);
    /* the top file itself a directory */
    n = rules_parse_file(&ast, sub, NULL, NULL, &d);
    cr_expect_eq(n, 1);
    rule_ast_free(&ast);
    buf_free(&c.text);
    buf_free(&c.lines);
    unlink(inc);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

/* ---- diagnostics plumbing ------------------------------------------------------------------ */

Test(rules_parse, diag_source_line)
{
    parsed r;
    parse_with(&r, "t.rules", "# first\r\nrule x : [capp] -> A ;\r\nrule y : cap -> B ;", NULL);
    cr_expect_eq(r.nerr, 1);
    cr_expect_str_eq(r.c.lines.p, "rule x : [capp] -> A ;\n");
    cr_expect_str_eq(r.d.first.message, "unknown flag 'capp'");
    cr_expect_str_eq(r.d.first.file, "t.rules");
    cr_expect_eq(r.d.first.line, 2);
    cr_expect_eq(r.d.first.column, 11);
    cr_expect_eq(r.d.first.is_warning, 0);

    /* rule_src_line and rule_diag directly, warnings included */
    size_t len;
    const char *l = rule_src_line(&r.ast, (srcpos){0, 3, 1}, &len);
    cr_assert_not_null(l);
    cr_expect_eq(len, strlen("rule y : cap -> B ;"));
    cr_expect_null(rule_src_line(&r.ast, (srcpos){0, 4, 1}, &len));
    cr_expect_null(rule_src_line(&r.ast, (srcpos){RULE_NO_FILE, 1, 1}, &len));
    rule_diag(&r.d, &r.ast, (srcpos){0, 1, 3}, 1, "macro '%s' is never used", "M");
    cr_expect_eq(r.d.warnings, 1);
    cr_expect_eq(r.d.errors, 1);
    cr_expect(strstr(diags(&r), "t.rules:1:3: warning: macro 'M' is never used\n"), "%s", diags(&r));
    cr_expect_str_eq(r.d.first.message, "unknown flag 'capp'");
    cr_expect_str_eq(r.c.lines.p, "rule x : [capp] -> A ;\n# first\n");
    /* no callback: still counted */
    rule_diags quiet = {0};
    rule_diag(&quiet, &r.ast, (srcpos){0, 2, 1}, 0, "x");
    cr_expect_eq(quiet.errors, 1);
    cr_expect_str_eq(quiet.first.message, "x");
    parsed_free(&r);
}

Test(rules_parse, null_diags_and_empty)
{
    rule_ast ast;
    rule_ast_init(&ast);
    cr_expect_eq(rules_parse_text(&ast, "e.rules", "", 0, NULL, NULL, NULL), 0);
    cr_expect_eq(rules_parse_text(&ast, "b.rules", "rule x : -> ;", 13, NULL, NULL, NULL), 1);
    cr_expect_eq(ast.rules.n, 0);
    cr_expect_eq(ast.phases.n, 0);
    cr_expect_eq(ast.files.n, 2);
    rule_ast_free(&ast);
    rule_ast_free(NULL);
}

/* Text that is not NUL-terminated and NUL bytes inside it. */
Test(rules_parse, length_bounded)
{
    const char src[] = "rule x : cap -> A ;rule y : cap -> B ;";
    rule_ast ast;
    rule_ast_init(&ast);
    cr_expect_eq(rules_parse_text(&ast, "t.rules", src, 19, NULL, NULL, NULL), 0);
    cr_expect_eq(ast.rules.n, 1);
    collected c = {0};
    rule_diags d = {.fn = collect, .userdata = &c};
    const char nul[] = "rule z : cap \0 -> A ;";
    cr_expect_eq(rules_parse_text(&ast, "n.rules", nul, sizeof nul - 1, NULL, NULL, &d), 1);
    cr_expect(strstr(c.text.p, "n.rules:1:14: error: unexpected character U+0000"), "%s", c.text.p);
    rule_ast_free(&ast);
    buf_free(&c.text);
    buf_free(&c.lines);
}

/* Every printable S-expression form, in one rule and a macro. */
Test(rules_parse, sexpr_printer)
{
    parsed r;
    parse_with(&r, "t.rules",
               "macro M = (\"a\" | 'B') /c/i{0,2} ;\n"
               "rule s : before(<s> <QUOTE>) who:(@GIVEN{g!=m}? cap+) [!num & (@SAY | _)] M after(</p>) -> Q ;\n",
               NULL);
    cr_assert_eq(r.nerr, 0, "%s", diags(&r));
    char *s = dump(&r.ast);
    cr_expect_str_eq(s,
                     "macro M = (seq (alt \"a\" 'B') (rep 0 2 /c/i))\n"
                     "phase main\n"
                     "rule s 0 main : (seq (before (seq <s> (annot QUOTE))) "
                     "who:(seq (rep 0 1 (lex GIVEN {g!=\"m\"})) (rep 1 -1 (flag cap))) "
                     "(and (not (flag num)) (or (lex1 SAY) _)) (macro M) (after </p>)) -> Q\n");
    free(s);
    char *n = rule_ast_sexpr(&r.ast, NULL);
    cr_expect_str_eq(n, "(null)");
    free(n);
    parsed_free(&r);
}
