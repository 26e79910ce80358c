/* Command line: helpers shared by the subcommands (rules loading with diagnostics, reading
 * files, option values, error messages prefixed with the program name). The layer under
 * the subcommands: it calls only libquarry. */
#ifndef QUARRY_CLI_COMMON_H
#define QUARRY_CLI_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "quarry.h"

/* Exit statuses (DESIGN.md). */
enum { EXIT_OK = 0, EXIT_FAILURES = 1, EXIT_USAGE = 2, EXIT_RULES = 3 };

void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints a diagnostic as "quarry: file:line:col: error: message", the line and a caret. */
void cli_print_diag(const quarry_error *e, const char *line, size_t len, void *ud);
/* Loads --rules PATH, or the embedded defaults when path is NULL. NULL on errors (printed). */
quarry_rules *cli_load_rules(const char *path);
/* Reads a whole file ("-" = stdin) into a malloc'd buffer; -1 with errno on failure. */
int cli_read_file(const char *path, char **data, size_t *len);
/* The document id of a path: file name without folder and extension. */
void cli_doc_id(const char *path, char *out, size_t cap);
/* Parses a non-negative size with an optional k/M/G suffix; -1 on error. */
int cli_parse_size(const char *s, size_t *out);

/* Parses "--name value" or "--name=value" at argv[*i]; returns the value (advancing *i past
 * a separate value) or NULL when argv[*i] is another option. A missing value exits 2. */
const char *cli_optval(int argc, char **argv, int *i, const char *name);
/* The value of --input: 1 jsonl, 2 text, -1 anything else (reported); 0, no --input, is
 * left for the walker to decide by file name (walk.h). */
int cli_input_jsonl(const char *v);
/* The value of --matcher (reference or fast) as QUARRY_MATCHER_*, or -1 (reported) */
int cli_matcher(const char *v);
/* The environment variable QUARRY_MATCHER, when set, is reference or fast: 0, or -1
 * (reported) */
int cli_matcher_env(void);

#endif
