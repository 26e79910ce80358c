/* Command line: shared helpers of the subcommands (rules loading with diagnostics,
 * reading files, error messages prefixed with the program name). */
#ifndef QUARRY_CLI_H
#define QUARRY_CLI_H

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
/* The value of --input: 1 jsonl, 0 text, -1 anything else (reported) */
int cli_input_jsonl(const char *v);
/* The entries of folder dir whose names end in suffix (NULL: all), dot files left out,
 * sorted by name, as "dir/name" when join else as names; free with cli_free_list. An empty
 * (non-NULL) list when there are none; NULL with errno when the folder cannot be read. */
char **cli_list_dir(const char *dir, const char *suffix, int join, size_t *n);
void cli_free_list(char **names, size_t n);

int cmd_extract(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
