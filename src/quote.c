/* Quote-mark pairing: finds the quoted spans of a document from its double quote marks
 * (" “ ” « » „, and '' written as two apostrophes) and their directions, before any rule
 * runs. A quote left open at the end of a paragraph continues when the next paragraph opens
 * with a quote mark of the same kind (one span over several paragraphs: straight marks go on
 * with a straight mark, typographic with typographic, '' with ''); otherwise it ends with its
 * paragraph, so an unclosed quote never swallows the rest of the article. Each span (marks
 * excluded) becomes a QSPAN annotation, except a title in quote marks ("Good Morning
 * America", "The Revenant."): nobody says it, so it becomes a _QTITLE annotation that no
 * quote rule takes. */
#include <string.h>

#include "doc.h"

static int is_double_quote(const quarry_doc *doc, const token *t)
{
    if (t->kind != TK_QUOTE) return 0;
    const char *s = doc->txt.src + t->start;
    size_t n = t->end - t->start;
    if (n == 1) return s[0] == '"';
    if (n == 2) return !memcmp(s, "\xC2\xAB", 2) || !memcmp(s, "\xC2\xBB", 2);   /* « » */
    if (n == 3)
        return !memcmp(s, "\xE2\x80\x9C", 3) || !memcmp(s, "\xE2\x80\x9D", 3) ||
               !memcmp(s, "\xE2\x80\x9E", 3);                                  /* “ ” „ */
    return 0;
}

int quote_two_apostrophes(const quarry_doc *doc, uint32_t k)
{
    const token *t = doc->toks.v;
    if (k + 1 >= doc->toks.n || t[k].kind != TK_QUOTE || t[k + 1].kind != TK_QUOTE) return 0;
    if (t[k].end - t[k].start != 1 || t[k + 1].end - t[k + 1].start != 1) return 0;
    if (t[k].end != t[k + 1].start) return 0;
    const char *s = doc->txt.src;
    return s[t[k].start] == '\'' && s[t[k + 1].start] == '\'';
}

/* Number of tokens of the double quote mark at token k: 1 for " “ ” « » „, 2 for '', 0 when
 * there is none. */
static uint32_t mark_width(const quarry_doc *doc, const token *t, uint32_t k)
{
    if (t[k].kind != TK_QUOTE) return 0;   /* both kinds of mark are quote tokens */
    if (is_double_quote(doc, &t[k])) return 1;
    return quote_two_apostrophes(doc, k) ? 2 : 0;
}

/* The kind of the mark at token k (mark_width(k) > 0): 0 straight ", 1 typographic
 * (“ ” „ « »), 2 two apostrophes. A writer who continues a quote into the next paragraph
 * opens it again with the same kind of mark; a paragraph that opens with another kind is a
 * quote of its own (an unclosed straight " before a “...” paragraph does not swallow it). */
static int mark_kind(const quarry_doc *doc, const token *t, uint32_t k)
{
    if (t[k].end - t[k].start > 1) return 1;
    return doc->txt.src[t[k].start] == '"' ? 0 : 2;
}

/* The next double quote mark at or after token k within k's paragraph: its index, or n. */
static uint32_t next_mark(const quarry_doc *doc, const token *t, uint32_t n, uint32_t k)
{
    for (uint32_t j = k; j < n; j++) {
        if (j > k && (t[j].flags & QUARRY_TF_PARA_START)) return n;
        if (mark_width(doc, t, j)) return j;
    }
    return n;
}

/* When the mark at token k, inside a quote opened with a mark of kind outer, opens a quote of
 * its own inside it: the token after that inner quote's closing mark; else 0. The mark at k
 * must open (QOPEN), the next mark of the paragraph must close (QCLOSE) and be of k's kind,
 * and a closing mark of the outer kind must follow in the paragraph; otherwise the mark at k
 * stands for a missing closing mark. */
static uint32_t nested_end(const quarry_doc *doc, const token *t, uint32_t n, uint32_t k,
                           int outer)
{
    if (!(t[k].flags & QUARRY_TF_QOPEN)) return 0;
    uint32_t w = mark_width(doc, t, k);
    uint32_t c = next_mark(doc, t, n, k + w);
    if (c >= n || !(t[c].flags & QUARRY_TF_QCLOSE) || mark_kind(doc, t, c) != mark_kind(doc, t, k))
        return 0;
    uint32_t after = c + mark_width(doc, t, c);
    for (uint32_t o = next_mark(doc, t, n, after); o < n; o = next_mark(doc, t, n, o + 1)) {
        if (mark_kind(doc, t, o) == outer && (t[o].flags & QUARRY_TF_QCLOSE)) return after;
        if (t[o].flags & QUARRY_TF_QOPEN) return 0;
    }
    return 0;
}

/* Does the mark at token k, inside a quote opened at token open and not closing it
 * properly, close it and open the next quote at once (a lost paragraph break: 'said. "One.
 * "Two."')? It opens (QOPEN) after a space, a word or number follows it, and the token
 * before it ends a sentence (. ? ! ... …) inside the open quote. */
static int reopens(const quarry_doc *doc, const token *t, uint32_t n, uint32_t k, uint32_t open)
{
    if (!(t[k].flags & QUARRY_TF_QOPEN) || !(t[k].flags & QUARRY_TF_SPACE_BEFORE)) return 0;
    uint32_t a = k + mark_width(doc, t, k);
    if (a >= n || (t[a].flags & QUARRY_TF_SPACE_BEFORE) ||
        (t[a].kind != TK_WORD && t[a].kind != TK_NUM))
        return 0;
    if (k < 1 || k - 1 <= open || t[k - 1].kind != TK_PUNCT) return 0;
    const char *s = doc->txt.src + t[k - 1].start;
    size_t len = t[k - 1].end - t[k - 1].start;
    if (len == 3 && !memcmp(s, "\xE2\x80\xA6", 3)) return 1;              /* … */
    if (len != 1 && !(len == 3 && !memcmp(s, "...", 3))) return 0;
    return s[0] == '.' || s[0] == '?' || s[0] == '!';
}

/* Is the quoted span [s, e) a title rather than something said: two to eight words, every
 * word but the small ones capitalised, at least two of them, no punctuation but one mark at
 * the end ("This Week," "The Revenant.")? The small words are the lexicon TITLESMALL. A one-word
 * quote ("Absolutely,") is left alone. */
static int is_title(const quarry_doc *doc, uint32_t s, uint32_t e)
{
    if (e > s && doc->toks.v[e - 1].kind == TK_PUNCT) e--;
    if (e <= s || e - s < 2 || e - s > 8) return 0;
    uint32_t caps = 0;
    for (uint32_t k = s; k < e; k++) {
        const token *t = &doc->toks.v[k];
        if (t->kind == TK_NUM) continue;
        if (t->kind != TK_WORD) return 0;
        if (t->flags & QUARRY_TF_CAP) caps++;
        else if (k == s || doc_lex_entry(doc, k, ENG_L_TITLESMALL) < 0) return 0;
    }
    return caps >= 2;
}

/* Adds the span [s, e): a QSPAN, or a _QTITLE for a title. */
static int add_span(quarry_doc *doc, int32_t qspan, int32_t qtitle, uint32_t s, uint32_t e)
{
    int32_t type = qtitle >= 0 && is_title(doc, s, e) ? qtitle : qspan;
    return doc_add_annot(doc, (uint32_t)type, s, e, RULE_QUOTE_PAIR, -1);
}

int quote_pair(const quarry_rules *r, quarry_doc *doc)
{
    int32_t type = r->eng_type[ENG_QSPAN];
    if (type < 0) return 0;
    int32_t title = r->eng_type[ENG_QTITLE];
    const token *t = doc->toks.v;
    uint32_t n = (uint32_t)doc->toks.n;
    int64_t open = -1;          /* token index of the opening mark */
    int kind = 0;               /* its mark_kind */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t w = mark_width(doc, t, k);  /* tokens of the mark: 0 (none), 1, 2 ('') */
        if (open >= 0 && (t[k].flags & QUARRY_TF_PARA_START)) {
            /* the paragraph ended inside a quote; it goes on (one span) when this one opens
             * with the same kind of mark */
            if (w && !(t[k].flags & QUARRY_TF_QCLOSE) && mark_kind(doc, t, k) == kind) {
                k += w - 1;
                continue;
            }
            if (add_span(doc, type, title, (uint32_t)open + 1, k)) return -1;
            open = -1;
        }
        if (!w) continue;
        if (open < 0) {
            if (!(t[k].flags & QUARRY_TF_QCLOSE) || (t[k].flags & QUARRY_TF_PARA_START)) {
                open = k + w - 1;
                kind = mark_kind(doc, t, k);
            }
            k += w - 1;
            continue;                                   /* a stray closing mark is ignored */
        }
        /* a quote inside the quote: a mark that opens, the next mark of the paragraph a
         * closing one of its kind and a closing mark of the outer quote's kind after that
         * ("... the question: “As you know ...?” Forty-three, yes."   “... what he calls
         * “hell” than ...”); the outer quote goes on after the inner one */
        uint32_t inner = nested_end(doc, t, n, k, kind);
        if (inner) {
            k = inner - 1;
            continue;
        }
        /* an opener while open (a missing closing mark) closes the quote too; when it also
         * starts a new sentence of the quote (a space before it, a word after it, and the
         * token before it a sentence end inside the quote) it stands for a lost paragraph
         * break, one mark for the closing and the opening one ('"One. "Two," he said.'),
         * and opens the next quote */
        if (add_span(doc, type, title, (uint32_t)open + 1, k)) return -1;
        int reopen = reopens(doc, t, n, k, (uint32_t)open);
        open = reopen ? (int64_t)(k + w - 1) : -1;
        k += w - 1;
    }
    if (open >= 0 && add_span(doc, type, title, (uint32_t)open + 1, n)) return -1;
    return 0;
}
