/* A small JSON reader for the command line: JSONL input documents, expected-record
 * files and gold records. Values live in one malloc'd block per parse. */
#ifndef QUARRY_CLI_JSON_H
#define QUARRY_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype t;
    double num;
    int b;
    char *str;              /* J_STR: UTF-8, NUL-terminated (may hold NULs: see len) */
    size_t len;
    struct jval *kids;      /* J_ARR / J_OBJ items */
    char **keys;            /* J_OBJ keys */
    size_t n;
} jval;

typedef struct jdoc {
    jval root;
    void *mem;              /* everything the tree points to */
} jdoc;

/* Parses s[0..n). Returns 0, or -1 with *err set to a static message and *err_off to the
 * byte offset of the problem. Free with json_free. */
int json_parse(const char *s, size_t n, jdoc *out, const char **err, size_t *err_off);
void json_free(jdoc *d);
/* Steps through the lines of data that are not blank (JSON Lines): from *pos, sets *line
 * and *n to the next one without its line end and trailing spaces, and *lineno to its
 * 1-based number. Returns 0 when no line is left. Start with *pos = *lineno = 0. */
int json_next_line(const char *data, size_t len, size_t *pos, size_t *lineno, const char **line,
                   size_t *n);
/* Member of an object, NULL when absent or not an object. */
const jval *json_get(const jval *obj, const char *key);
/* Writes v as compact JSON (strings escaped as quarry's JSONL writes them: raw UTF-8,
 * control characters, U+2028 and U+2029 as escapes). */
void json_write(FILE *f, const jval *v);

#endif
