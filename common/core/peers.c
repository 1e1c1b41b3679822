/*
 * peers.c - the TCP peers a service takes, and logging the ones it
 * refuses; see peers.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "peers.h"

/* Parse one "ADDR[/BITS]" of len bytes into net. 0, or -1 with *why. */
static int
net_parse(const char *s, size_t len, struct peer_net *net, const char **why)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t addr_len;
	unsigned max;

	if (len == 0 || len >= sizeof(text)) {
		*why = len == 0 ? "an empty address" : "an address that is too long";
		return -1;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	slash = strchr(text, '/');
	addr_len = slash != NULL ? (size_t)(slash - text) : len;
	text[addr_len] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, text, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	net->bits = max;
	if (slash != NULL) {
		const char *b = slash + 1;
		unsigned v = 0;

		/* 1 to 3 digits, no sign, no leading zero. */
		if (*b == '\0' || strlen(b) > 3 || (b[0] == '0' && b[1] != '\0')) {
			*why = "a prefix length must be a number of bits";
			return -1;
		}
		for (; *b; b++) {
			if (*b < '0' || *b > '9') {
				*why = "a prefix length must be a number of bits";
				return -1;
			}
			v = v * 10 + (unsigned)(*b - '0');
		}
		if (v > max) {
			*why = "a prefix length is longer than the address";
			return -1;
		}
		net->bits = v;
	}
	for (unsigned i = net->bits; i < max; i++) {
		if (net->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "an address has bits set past its prefix length";
			return -1;
		}
	}
	return 0;
}

int
peers_parse(const char *s, struct peer_list *l, const char **why)
{
	struct peer_list out = { 0 };

	for (;;) {
		size_t len = strcspn(s, ",");

		if (out.n == PEERS_MAX) {
			*why = "more than 32 addresses";
			return -1;
		}
		if (net_parse(s, len, &out.net[out.n], why) < 0)
			return -1;
		out.n++;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*l = out;
	return 0;
}

void
peers_default(struct peer_list *l)
{
	const char *why;

	peers_parse(PEERS_DEFAULT, l, &why);
}

/* 1 if the first bits of a and b agree. */
static int
prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

/*
 * The peer's family and address (IPv4-mapped IPv6 as IPv4) into family and
 * addr[16]. Returns 0, or -1 for a family that is not IP.
 */
static int
peer_address(const struct sockaddr *sa, socklen_t len, int *family, uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		*family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const uint8_t *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			*family = AF_INET;
			memcpy(addr, a + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, a, 16);
		}
		return 0;
	}
	return -1;
}

int
peers_allow(const struct peer_list *l, const struct sockaddr *sa, socklen_t len)
{
	uint8_t addr[16];
	int family;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 1;
	if (peer_address(sa, len, &family, addr) < 0)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->net[i].family == family && prefix_match(l->net[i].addr, addr, l->net[i].bits))
			return 1;
	return 0;
}

const char *
peers_name(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	uint8_t addr[16];
	int family;

	if (peer_address(sa, len, &family, addr) < 0 || inet_ntop(family, addr, buf,
	    (socklen_t)n) == NULL)
		snprintf(buf, n, "?");
	return buf;
}

void
peer_log_init(struct peer_log *pl, int64_t interval_ms)
{
	memset(pl, 0, sizeof(*pl));
	pl->interval_ms = interval_ms;
}

int
peer_log_due(struct peer_log *pl, const struct sockaddr *sa, socklen_t len,
    int64_t now_ms, long *refused)
{
	uint8_t key[17] = { 0 };
	struct peer_log_slot *s = NULL;
	int family = 0;

	if (peer_address(sa, len, &family, key + 1) < 0)
		family = sa->sa_family;
	key[0] = (uint8_t)family;
	for (size_t i = 0; i < pl->n && s == NULL; i++)
		if (memcmp(pl->slot[i].addr, key, sizeof(key)) == 0)
			s = &pl->slot[i];
	if (s == NULL) {
		if (pl->n < PEER_LOG_SLOTS) {
			s = &pl->slot[pl->n++];
		} else {
			s = &pl->slot[0];
			for (size_t i = 1; i < pl->n; i++)
				if (pl->slot[i].logged_at_ms < s->logged_at_ms)
					s = &pl->slot[i];
		}
		memcpy(s->addr, key, sizeof(key));
		s->refused = 0;
		s->logged_at_ms = now_ms;
		*refused = 1;
		return 1;
	}
	s->refused++;
	if (now_ms - s->logged_at_ms < pl->interval_ms)
		return 0;
	*refused = s->refused;
	s->refused = 0;
	s->logged_at_ms = now_ms;
	return 1;
}
