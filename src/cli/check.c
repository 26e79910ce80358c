/* quarry check: compiles a rule set and reports every error (for rule authors). */
#include <string.h>

#include "cli.h"
#include "common.h"

static const char check_usage[] =
    "usage: quarry check [--rules PATH]\n"
    "\n"
    "Compiles the rule set (the built-in one when --rules is absent) and reports every error\n"
    "and warning as FILE:LINE:COL with the source line and a caret, in file and line order,\n"
    "then the number of errors (after 50 errors, the others are only counted). A syntax\n"
    "error does not hide the other errors: the statements that parsed are still compiled.\n"
    "An action's type is built in (PERSON ROLE PLACE ORG QUOTE) or declared: type NAME;\n"
    "Exit status: 0 clean (warnings allowed), 3 rule errors, 2 usage error.\n";

int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(check_usage, stdout); return EXIT_OK; }
        if (!strcmp(argv[i], "--rules") && i + 1 < argc) path = argv[++i];
        else if (!strncmp(argv[i], "--rules=", 8)) path = argv[i] + 8;
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else { cli_error("unknown argument '%s' (see quarry check --help)", argv[i]); return EXIT_USAGE; }
    }
    quarry_rules *r = cli_load_rules(path);
    if (!r) return EXIT_RULES;
    printf("%s: %zu rules in %zu phases, %zu lexicons: ok\n", path ? path : "built-in rules",
           quarry_rules_count(r), quarry_rules_phase_count(r), quarry_rules_lexicon_count(r));
    quarry_rules_free(r);
    return EXIT_OK;
}
