/* quarry explain: extracts documents and shows, for each annotation, the rule and phase that
 * made it and what it beat in overlap resolution (the explain format of the emitters). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "run.h"

static const char explain_usage[] =
    "usage: quarry explain [--rules PATH] FILE|-\n"
    "\n"
    "Extracts FILE and shows, for each annotation, the rule and phase that made it, its\n"
    "captures and features, and the overlapping matches it beat in overlap resolution.\n"
    "Several FILEs, a DIR (every .txt file below it) and the extract options --input,\n"
    "--encoding, "
    "--only, --offsets, --matcher, --max-doc-bytes, -j and -q work as in quarry extract.\n";

int cmd_explain(int argc, char **argv)
{
    run_opts o;
    run_opts_init(&o);
    o.format = QUARRY_FORMAT_EXPLAIN;
    o.opts.explain = 1;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    if (!inputs) return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(explain_usage, stdout);
            free(inputs);
            return EXIT_OK;
        } else if ((r = run_option(&o, argc, argv, &i))) {
            if (r < 0) { free(inputs); return EXIT_USAGE; }
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("unknown option '%s' (see quarry explain --help)", a);
            free(inputs);
            return EXIT_USAGE;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    int rc = run_extract(&o, inputs, ninputs);
    free(inputs);
    return rc;
}
