/* quarry eval: scores a rule set against external gold (CoNLL, brat, JSONL). */
#include "cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("eval: not implemented yet (see issue 'Regression-testing rule sets')");
    return EXIT_USAGE;
}
