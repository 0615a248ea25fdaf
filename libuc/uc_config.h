/*
 * usercenter shared: the "name = value" configuration line format read by
 * uc-backend and ucctl.
 */

#ifndef UC_CONFIG_H
#define UC_CONFIG_H

/*
 * Splits one line in place. Returns 1 with *name and *value set (both
 * trimmed), 0 for a blank or "#" comment line, -1 for a line without "=".
 */
int uc_config_split(char *line, char **name, char **value);

#endif /* UC_CONFIG_H */
