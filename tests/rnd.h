/* Unit-test helper: a xorshift64 generator, repeatable from its state (each test file keeps
 * its own), for the generated inputs of the sort and lexicon tests. */
#ifndef QUARRY_TESTS_RND_H
#define QUARRY_TESTS_RND_H

#include <stdint.h>

/* The next number below n from *state. */
static inline uint32_t rnd_next(uint64_t *state, uint32_t n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state % n);
}

#endif
