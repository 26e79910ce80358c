/* Quote-mark pairing: finds the quoted spans of a document from its double quote marks
 * (" “ ” « » „) and their directions, before any rule runs. A quote left open at the end of
 * a paragraph continues when the next paragraph opens with a quote mark (one span over
 * several paragraphs); otherwise it ends with its paragraph, so an unclosed quote never
 * swallows the rest of the article. Each span (marks excluded) becomes a QSPAN annotation. */
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

int quote_pair(const quarry_rules *r, quarry_doc *doc)
{
    int32_t type = rules_type_id(r, "QSPAN");
    if (type < 0) return 0;
    const token *t = doc->toks.v;
    uint32_t n = (uint32_t)doc->toks.n;
    int64_t open = -1;          /* token index of the opening mark */
    for (uint32_t k = 0; k < n; k++) {
        int q = is_double_quote(doc, &t[k]);
        if (open >= 0 && (t[k].flags & QUARRY_TF_PARA_START)) {
            /* the paragraph ended inside a quote */
            if (q && !(t[k].flags & QUARRY_TF_QCLOSE)) continue;   /* it goes on: one span */
            if (doc_add_annot(doc, (uint32_t)type, (uint32_t)open + 1, k, RULE_QUOTE_PAIR, -1)) return -1;
            open = -1;
        }
        if (!q) continue;
        if (open < 0) {
            if (!(t[k].flags & QUARRY_TF_QCLOSE) || (t[k].flags & QUARRY_TF_PARA_START)) open = k;
            continue;                                   /* a stray closing mark is ignored */
        }
        /* an opener while open (a missing closing mark) closes the quote too */
        if (doc_add_annot(doc, (uint32_t)type, (uint32_t)open + 1, k, RULE_QUOTE_PAIR, -1)) return -1;
        open = -1;
    }
    if (open >= 0 && doc_add_annot(doc, (uint32_t)type, (uint32_t)open + 1, n, RULE_QUOTE_PAIR, -1)) return -1;
    return 0;
}
