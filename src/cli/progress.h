/* The progress line of long extract runs: on stderr, only when stderr is a terminal and
 * not --quiet; redrawn at most 4 times a second:
 *   quarry: 120/2000 files, 3.1/48.0 MB, 11.8 MB/s, ETA 0:04
 * Totals come from a scan of the inputs made up front (file sizes, no reading); stdin has
 * no total, then only the counts and the rate are shown. */
#ifndef QUARRY_CLI_PROGRESS_H
#define QUARRY_CLI_PROGRESS_H

#include <stddef.h>

typedef struct progress progress;

/* NULL (no progress line, all calls below accept it) unless enabled and stderr is a tty.
 * ext: ".txt" or ".jsonl", the files a folder contributes; jsonl: count documents. */
progress *progress_new(int enabled, char **inputs, size_t ninputs, const char *ext, int jsonl);
/* docs/bytes: documents and their bytes done so far. Cheap when called often. */
void progress_tick(progress *p, size_t docs, size_t bytes);
/* Clears the line and frees p. */
void progress_end(progress *p);

#endif
