/*
 * keygen.c - fresh ES256 key pairs with OpenSSL; see keygen.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keygen.h"
#include "keyring.h"

/* The text a BIO holds, copied into *out (NUL-terminated). 0 or -1. */
static int
bio_text(BIO *bio, char **out, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0 || (*out = malloc((size_t)n + 1)) == NULL)
		return -1;
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
keygen_p256(struct keygen_pair *out)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pk != NULL && priv != NULL && pub != NULL &&
	    PEM_write_bio_PrivateKey(priv, pk, NULL, NULL, 0, NULL, NULL) == 1 &&
	    PEM_write_bio_PUBKEY(pub, pk) == 1 &&
	    bio_text(priv, &out->private_pem, &out->private_len) == 0 &&
	    bio_text(pub, &out->public_pem, &out->public_len) == 0)
		rc = 0;
	if (rc < 0)
		keygen_free(out);
	EVP_PKEY_free(pk);
	BIO_free(priv);
	BIO_free(pub);
	return rc;
}

void
keygen_free(struct keygen_pair *p)
{
	free(p->private_pem);
	free(p->public_pem);
	memset(p, 0, sizeof(*p));
}

int
keygen_service_keys(struct keyring *signer, struct keyring *checker)
{
	struct keygen_pair pair;
	const char *why;
	int rc = -1;

	if (keygen_p256(&pair) < 0)
		return -1;
	if (keyring_add_private(signer, pair.private_pem, pair.private_len, KEY_SERVICE_TOKENS,
	    &why) == 0 && keyring_add_public(checker, pair.public_pem, pair.public_len,
	    KEY_SERVICE_TOKENS, &why) == 0)
		rc = 0;
	keygen_free(&pair);
	return rc;
}
