/* Command line: the subcommands, one file each, called only by main.c. A subcommand calls
 * the layers below it (common.h, walk.h, run.h, batch.h, score.h, json.h ...), never
 * another subcommand. */
#ifndef QUARRY_CLI_H
#define QUARRY_CLI_H

int cmd_extract(int argc, char **argv);   /* extract.c */
int cmd_explain(int argc, char **argv);   /* explain.c */
int cmd_check(int argc, char **argv);     /* check.c */
int cmd_test(int argc, char **argv);      /* test.c */
int cmd_eval(int argc, char **argv);      /* eval.c */
int cmd_bench(int argc, char **argv);     /* bench.c */

#endif
