/* Replays fuzz inputs without libFuzzer (any compiler): every FILE, and every file in each
 * DIR (in name order), goes through the target's LLVMFuzzerTestOneInput once. Used by
 * `make fuzz-replay` on fuzz/regressions/<target>/ (the inputs the fuzzers found), under
 * ASan+UBSan in `make asan`. Modelled on utf8proc's test/fuzz_main.c. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    if (!b) { fclose(f); return 1; }
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb) { free(b); fclose(f); return 1; }
            b = nb;
        }
    }
    fclose(f);
    /* an exact-size copy so that ASan catches reads past the end */
    unsigned char *exact = malloc(n ? n : 1);
    if (!exact) { free(b); return 1; }
    memcpy(exact, b, n);
    free(b);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int bad = 0;
    size_t runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) { perror(argv[i]); bad = 1; continue; }
        if (!S_ISDIR(st.st_mode)) { bad |= run_file(argv[i]); runs++; continue; }
        DIR *d = opendir(argv[i]);
        if (!d) { perror(argv[i]); bad = 1; continue; }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            char **nn = realloc(names, (n + 1) * sizeof *nn);
            if (!nn) break;
            names = nn;
            names[n] = malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
            if (!names[n]) break;
            sprintf(names[n], "%s/%s", argv[i], de->d_name);
            n++;
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, cmp);
        for (size_t k = 0; k < n; k++) {
            bad |= run_file(names[k]);
            runs++;
            free(names[k]);
        }
        free(names);
    }
    printf("fuzz-replay: %zu input%s replayed%s\n", runs, runs == 1 ? "" : "s",
           bad ? ", some could not be read" : "");
    return bad;
}
