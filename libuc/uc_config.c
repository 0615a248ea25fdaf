/*
 * usercenter shared: "name = value" configuration lines.
 */

#include <string.h>

#include "uc_config.h"


static int
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


int
uc_config_split(char *line, char **name, char **value)
{
    char  *p, *eq, *end;

    for (p = line; blank(*p); p++) { /* void */ }

    if (*p == '#' || *p == '\0') {
        return 0;
    }

    eq = strchr(p, '=');
    if (eq == NULL) {
        return -1;
    }

    for (end = eq; end > p && blank(end[-1]); end--) { /* void */ }
    *end = '\0';

    for (*value = eq + 1; blank(**value); (*value)++) { /* void */ }

    end = *value + strlen(*value);
    while (end > *value && blank(end[-1])) {
        end--;
    }
    *end = '\0';

    *name = p;

    return 1;
}
