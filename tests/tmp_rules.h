/* Unit-test helper: a rule file and the one data file it names (a lexicon), written to a fresh
 * temporary folder, since a lexicon path resolves against its rule file's folder. */
#ifndef QUARRY_TESTS_TMP_RULES_H
#define QUARRY_TESTS_TMP_RULES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tmp_rules {
    char dir[64];
    char rules[300];   /* DIR/r.rules: quarry_rules_load(t.rules, ...) */
    char data[300];    /* DIR/DATA_NAME */
} tmp_rules;

static inline void tmp_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static inline void tmp_rules_write(tmp_rules *t, const char *data_name, const char *data, const char *src)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/quarry-test-XXXXXX");
    cr_assert(mkdtemp(t->dir));
    snprintf(t->data, sizeof t->data, "%s/%s", t->dir, data_name);
    snprintf(t->rules, sizeof t->rules, "%s/r.rules", t->dir);
    tmp_write(t->data, data);
    tmp_write(t->rules, src);
}

static inline void tmp_rules_remove(const tmp_rules *t)
{
    remove(t->data);
    remove(t->rules);
    remove(t->dir);
}

#endif
