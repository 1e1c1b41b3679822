/*
 * mint_token.c - tests/mint-token: an access token made with a private key
 * file, as the services make them (common/serve/token.c), for the tests and the
 * benchmarks that act as a user without logging in:
 *
 *     mint-token KEY-FILE customer|admin USER-ID CRED-VERSION TTL-SECONDS
 *     mint-token KEY-FILE service NAME AUDIENCE TTL-SECONDS
 *     mint-token --raw KEY-FILE HEADER PAYLOAD
 *
 * prints the token. --raw signs HEADER and PAYLOAD (JSON texts, KID in
 * HEADER standing for the key's id) exactly as given: a well-signed token
 * that says anything at all, for the tests of what is refused. A user token is honoured only while the user exists
 * with that credential version and role (docs/security.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyring.h"
#include "text.h"
#include "token.h"

static int
number(const char *s, int64_t *out)
{
	return text_parse_id(s, strlen(s), out);
}

/* --raw: sign the texts as they are, KID replaced by the key's id. */
static int
raw(const char *key_file, const char *header, const char *payload)
{
	struct keyring kr = { 0 };
	char head[1024], *token;
	const char *why, *kid;

	if (keyring_load_private(&kr, key_file, KEY_USER_TOKENS, &why) < 0) {
		fprintf(stderr, "mint-token: the key file %s %s\n", key_file, why);
		return 1;
	}
	if ((kid = strstr(header, "KID")) != NULL)
		snprintf(head, sizeof(head), "%.*s%s%s", (int)(kid - header), header,
		    kr.sign_kid, kid + 3);
	else
		snprintf(head, sizeof(head), "%s", header);
	token = token_sign(&kr, head, payload, strlen(payload));
	keyring_free(&kr);
	if (token == NULL)
		return 1;
	printf("%s\n", token);
	free(token);
	return 0;
}

int
main(int argc, char **argv)
{
	struct token_claims c = { 0 };
	struct keyring kr = { 0 };
	const char *why, *audience = NULL;
	int64_t ttl;
	char *token;

	if (argc == 5 && strcmp(argv[1], "--raw") == 0)
		return raw(argv[2], argv[3], argv[4]);
	if (argc != 6) {
		fprintf(stderr, "usage: %s KEY-FILE customer|admin USER-ID CRED-VERSION TTL\n"
		    "       %s KEY-FILE service NAME AUDIENCE TTL\n", argv[0], argv[0]);
		return 2;
	}
	if (strcmp(argv[2], "service") == 0) {
		c.role = TOKEN_SERVICE;
		snprintf(c.service, sizeof(c.service), "%s", argv[3]);
		audience = argv[4];
	} else if (strcmp(argv[2], "customer") == 0 || strcmp(argv[2], "admin") == 0) {
		c.role = strcmp(argv[2], "admin") == 0 ? TOKEN_ADMIN : TOKEN_CUSTOMER;
		if (number(argv[3], &c.user_id) < 0 || number(argv[4], &c.cred_version) < 0) {
			fprintf(stderr, "%s: USER-ID and CRED-VERSION are positive integers\n", argv[0]);
			return 2;
		}
	} else {
		fprintf(stderr, "%s: the role is customer, admin or service\n", argv[0]);
		return 2;
	}
	if (number(argv[5], &ttl) < 0) {
		fprintf(stderr, "%s: TTL is a positive integer\n", argv[0]);
		return 2;
	}
	if (keyring_load_private(&kr, argv[1], c.role == TOKEN_SERVICE ? KEY_SERVICE_TOKENS
	    : KEY_USER_TOKENS, &why) < 0) {
		fprintf(stderr, "%s: the key file %s %s\n", argv[0], argv[1], why);
		return 1;
	}
	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + ttl;
	token = token_make(&kr, &c, audience);
	keyring_free(&kr);
	if (token == NULL) {
		fprintf(stderr, "%s: no token made\n", argv[0]);
		return 1;
	}
	printf("%s\n", token);
	free(token);
	return 0;
}
