/* Command line: the one document walker. extract, explain, bench, test and eval find their
 * files through it, so they see the same files in the same order and treat hostile folder
 * entries alike: names starting with '.' are left out, entries are visited in byte order of
 * their names, a symbolic link back to a folder being walked is reported and skipped
 * ("skipped: symbolic link loop"), folders nested more than 64 deep too, and a FIFO, socket
 * or device whose name a run wants is reported and skipped ("skipped: not a regular file")
 * instead of blocking the run. Paths named by the user are taken as they are (a FIFO named
 * on the command line is read: `quarry extract <(zcat a.gz)`).
 * Every report is "quarry: PATH: message" on stderr and sets walker.failed. */
#ifndef QUARRY_CLI_WALK_H
#define QUARRY_CLI_WALK_H

#include <stddef.h>
#include <sys/stat.h>

typedef struct walker walker;
struct walker {
    const char *ext;        /* files whose names end in ext; NULL: every file */
    int recursive;          /* descend into sub-folders (else they are ignored) */
    int quiet;              /* report nothing (progress counting) */
    /* A file: found in a folder (st its stat, a regular file unless quiet) or named by the
       user (st NULL: not looked at). */
    void (*file)(walker *w, const char *path, const struct stat *st);
    void *ud;
    int failed;             /* set by every report */
    const char *root;       /* the folder walk_input is walking, NULL when none */

    size_t nfound;          /* regular files of the run found in folders so far */

    /* walk_documents only */
    int jsonl;              /* 1: files are JSON Lines, one {"id","text"} document a line;
                               2: files are text; 0: a file named by the user whose name
                               ends in .jsonl or .ndjson is JSON Lines, any other is text,
                               and folders contribute their .txt files */
    int check_ids;          /* warn about a document id seen before in this run */
    int nowarn;             /* no warnings (-q); errors are still reported */
    void *ids;              /* the ids seen (check_ids), freed by walk_end */
    size_t max_doc_bytes;   /* > 0: a regular file larger than this is reported and skipped */
    /* One document; takes ownership of text (malloc'd, NUL-terminated at len). */
    void (*doc)(walker *w, const char *id, char *text, size_t len);
};

/* path: a folder is walked (its files whose names end in ext, and below it when recursive);
 * anything else ("-", a file, a name that does not exist) goes to w->file with st NULL. */
void walk_input(walker *w, const char *path);

/* The files of one folder (walked as walk_input does) as malloc'd "dir/name" paths, in walk
 * order; free with walk_free_list. NULL (reported) when dir is not a readable folder. */
char **walk_list(walker *w, const char *dir, size_t *n);
void walk_free_list(char **paths, size_t n);

/* 0 when path, a file a run found by its name (a test case's text, a gold document), is a
 * regular file; else -1, reported ("No such file or directory", "skipped: not a regular
 * file"). */
int walk_check_file(walker *w, const char *path);

/* The documents of input (a file, a folder: its .txt or, with jsonl, its .jsonl files;
 * "-": stdin) to w->doc. A folder with no such file is reported ("quarry: DIR: no .txt
 * files"). With check_ids, a document whose id an earlier one of the run had gets one
 * warning line (FILE:LINE for JSON Lines), and is still processed. Documents: a text file is one document whose id is, for a file named by the
 * user, its name without folder and extension, for a file found in a folder, its path below
 * that folder without .txt ("business/001": ids do not collide across sub-folders); a JSONL file gives one per line, read as it arrives (memory is
 * bounded by the longest line), with id the line's "id" (a string or number; else
 * FILE:LINE). Malformed lines, lines without a "text" string and unreadable files are
 * reported and skipped. Sets w->ext, w->recursive and w->file. */
void walk_documents(walker *w, const char *input);
/* Frees what walk_documents kept across inputs (the ids seen). */
void walk_end(walker *w);

#endif
