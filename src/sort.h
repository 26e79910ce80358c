/* A stable merge sort with its comparison inlined, for the small, often nearly sorted arrays
 * the stages sort per document (candidates, new annotations, mentions): qsort calls its
 * comparison through a pointer and moves elements with memcpy, and glibc's may or may not be
 * stable. SORT_DEFINE(name, T, before) defines
 *     static void name(T *a, size_t n, T *tmp)
 * that sorts a[0..n) so that x comes before y when before(&x, &y), keeping the order of the
 * elements neither comes before (stable); tmp has room for n elements. before(x, y) is an
 * expression of two `const T *`. Runs of SORT_RUN by insertion, then merges; a merge whose
 * halves are already in order costs one comparison, so an array in order costs n - 1 of them
 * and O(n log n) at worst. */
#ifndef QUARRY_SORT_H
#define QUARRY_SORT_H

#include <stddef.h>
#include <string.h>

#define SORT_RUN 8

#define SORT_DEFINE(name, T, before)                                                       \
    static void name(T *a, size_t n, T *tmp)                                                \
    {                                                                                       \
        for (size_t lo = 0; lo < n; lo += SORT_RUN) {                                       \
            size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;                              \
            for (size_t i = lo + 1; i < hi; i++) {                                          \
                if (!(before(&a[i], &a[i - 1]))) continue;                                  \
                T v = a[i];                                                                 \
                size_t j = i;                                                               \
                do { a[j] = a[j - 1]; j--; } while (j > lo && (before(&v, &a[j - 1])));     \
                a[j] = v;                                                                   \
            }                                                                               \
        }                                                                                   \
        for (size_t w = SORT_RUN; w < n; w *= 2)                                            \
            for (size_t lo = 0; lo + w < n; lo += 2 * w) {                                  \
                size_t mid = lo + w, hi = mid + w < n ? mid + w : n;                        \
                if (!(before(&a[mid], &a[mid - 1]))) continue;   /* already in order */     \
                size_t i = lo, j = mid, o = 0;                                              \
                while (i < mid && j < hi) tmp[o++] = (before(&a[j], &a[i])) ? a[j++] : a[i++]; \
                while (i < mid) tmp[o++] = a[i++];                                          \
                memcpy(a + lo, tmp, (j - lo) * sizeof *a);                                  \
            }                                                                               \
    }

#endif
