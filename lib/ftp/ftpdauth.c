/*
 * ftpdauth.c - ftp-server's accounts: the --passwd file and crypt(3).
 */
#include "ftp/ftpd.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int looks_like_crypt(const char *hash)
{
	/* "$id$...", as crypt(3) writes every modern scheme */
	return hash[0] == '$' && strchr(hash + 1, '$') != NULL && strlen(hash) > 10;
}

int ftpd_users_load(const char *path, struct ftpd_user **users, size_t *count, unsigned *bad_line)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	struct ftpd_user *list = NULL;
	size_t n = 0;
	unsigned number = 0;

	*bad_line = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *colon, *end;
		struct ftpd_user *grown;
		number++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (colon)
			*colon = '\0';
		end = colon ? strchr(colon + 1, ':') : NULL;
		if (end)
			*end = '\0';
		if (!colon || !line[0] || strlen(line) >= FTPD_NAME_MAX ||
		    strlen(colon + 1) >= FTPD_HASH_MAX || !looks_like_crypt(colon + 1)) {
			*bad_line = number;
			free(list);
			fclose(f);
			errno = EINVAL;
			return -1;
		}
		if (!(grown = realloc(list, (n + 1) * sizeof *list))) {
			free(list);
			fclose(f);
			return -1;
		}
		list = grown;
		/* both lengths were checked against the fields above */
		memcpy(list[n].name, line, strlen(line) + 1);
		memcpy(list[n].hash, colon + 1, strlen(colon + 1) + 1);
		n++;
	}
	fclose(f);
	*users = list;
	*count = n;
	return 0;
}

int ftpd_password_ok(const struct ftpd_user *user, const char *password)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *out;
	int ok;

	if (!data)
		return 0;
	out = crypt_rn(password, user->hash, data, (int)sizeof *data);
	/* crypt_rn returns NULL (or a "*" failure token) for a bad setting */
	ok = out && out[0] != '*' && strlen(out) == strlen(user->hash) &&
	     CRYPTO_memcmp(out, user->hash, strlen(out)) == 0;
	free(data);
	return ok;
}
