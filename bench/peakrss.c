/* Runs a command and reports its peak resident set size (ru_maxrss from wait4) and wall
 * time, so that the benchmarks need no GNU time. stdin/stdout/stderr are the command's.
 *
 *   peakrss [-o FILE] COMMAND [ARG...]
 *
 * Writes "maxrss_kb=N wall_s=S cpu_s=C status=X" (C: user + system CPU seconds of the
 * command and its children that it waited for; X: exit status, or 128+signal) to FILE, or to
 * stderr without -o, and exits with the command's status. Build: cc -O2 -o build/peakrss
 * bench/peakrss.c */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *outpath = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-o")) { outpath = argv[i + 1]; i += 2; }
    if (i < argc && !strcmp(argv[i], "--")) i++;
    if (i >= argc) {
        fputs("usage: peakrss [-o FILE] COMMAND [ARG...]\n", stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { perror("peakrss: fork"); return 2; }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "peakrss: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int st;
    struct rusage ru;
    pid_t got;
    while ((got = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR) {}
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (got < 0) { perror("peakrss: wait4"); return 2; }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    FILE *o = outpath ? fopen(outpath, "w") : stderr;
    if (!o) { perror(outpath); return 2; }
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    fprintf(o, "maxrss_kb=%ld wall_s=%.3f cpu_s=%.3f status=%d\n", ru.ru_maxrss, wall, cpu, code);
    if (o != stderr) fclose(o);
    return code;
}
