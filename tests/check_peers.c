/*
 * check_peers.c - common/core/peers.c: the --allow-peers list (addresses and
 * CIDR prefixes, IPv4 and IPv6, and what is refused as a value), which
 * peers it lets connect (IPv4-mapped IPv6 as IPv4, unix peers always), and
 * logging a refused peer once per interval.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "check_suites.h"
#include "peers.h"

/* A sockaddr for text (IPv4 or IPv6) into ss; its length. */
static socklen_t
addr_of(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(40000);
		return sizeof(*in4);
	}
	ck_assert_msg(inet_pton(AF_INET6, text, &in6->sin6_addr) == 1, "bad test address %s", text);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(40000);
	return sizeof(*in6);
}

struct allow_case {
	const char *list;	/* NULL: the default */
	const char *peer;
	int want;
};

static const struct allow_case allow_cases[] = {
	/* The default: loopback only. */
	{ NULL, "127.0.0.1", 1 },
	{ NULL, "127.0.0.2", 1 },
	{ NULL, "127.255.255.254", 1 },
	{ NULL, "::1", 1 },
	{ NULL, "::ffff:127.0.0.1", 1 },	/* a dual-stack socket's IPv4 peer */
	{ NULL, "128.0.0.1", 0 },
	{ NULL, "126.255.255.255", 0 },
	{ NULL, "10.0.0.5", 0 },
	{ NULL, "::2", 0 },
	{ NULL, "::", 0 },
	{ NULL, "::ffff:10.0.0.5", 0 },
	{ NULL, "::127.0.0.1", 0 },		/* IPv4-compatible is not mapped */
	{ NULL, "fe80::1", 0 },
	/* Addresses alone are /32 and /128. */
	{ "127.0.0.3", "127.0.0.3", 1 },
	{ "127.0.0.3", "127.0.0.2", 0 },
	{ "127.0.0.3", "127.0.0.1", 0 },
	{ "127.0.0.3", "::1", 0 },
	{ "127.0.0.3", "::ffff:127.0.0.3", 1 },
	{ "fd00::7", "fd00::7", 1 },
	{ "fd00::7", "fd00::8", 0 },
	/* Prefixes, on and off byte boundaries. */
	{ "10.0.0.0/8", "10.255.1.2", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.1.0/24", "10.0.1.255", 1 },
	{ "10.0.1.0/24", "10.0.2.0", 0 },
	{ "192.168.4.0/22", "192.168.7.200", 1 },
	{ "192.168.4.0/22", "192.168.8.1", 0 },
	{ "192.168.4.0/22", "192.168.3.255", 0 },
	{ "10.0.0.5/31", "10.0.0.4", 0 },	/* bits past the prefix: refused below */
	{ "10.0.0.4/31", "10.0.0.5", 1 },
	{ "10.0.0.4/31", "10.0.0.6", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "2001:db8::1", 0 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "203.0.113.9", 0 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8:0:80::/57", "2001:db8:0:ff::1", 1 },
	{ "2001:db8:0:80::/57", "2001:db8:0:7f::1", 0 },
	/* Lists. */
	{ "10.0.0.2,10.0.0.3", "10.0.0.3", 1 },
	{ "10.0.0.2,10.0.0.3", "10.0.0.4", 0 },
	{ "10.0.0.2,fd00::/8,127.0.0.0/8", "fdff::1", 1 },
	{ "10.0.0.2,fd00::/8,127.0.0.0/8", "127.9.9.9", 1 },
	{ "10.0.0.2,fd00::/8,127.0.0.0/8", "fe00::1", 0 },
};

START_TEST(test_allow)
{
	for (size_t i = 0; i < N_ELEMS(allow_cases); i++) {
		const struct allow_case *c = &allow_cases[i];
		struct sockaddr_storage ss;
		struct peer_list l;
		const char *why = NULL;
		socklen_t len;
		int rc = 0;

		if (c->list == NULL)
			peers_default(&l);
		else
			rc = peers_parse(c->list, &l, &why);
		if (rc < 0) {
			/* A list refused as a value lets nobody in: not a case here. */
			ck_assert_msg(strcmp(c->list, "10.0.0.5/31") == 0,
			    "peers_parse(\"%s\") refused: %s", c->list, why);
			continue;
		}
		len = addr_of(c->peer, &ss);
		ck_assert_msg(peers_allow(&l, (struct sockaddr *)&ss, len) == c->want,
		    "allow-peers %s, peer %s: want %d", c->list ? c->list : "(default)",
		    c->peer, c->want);
	}
}
END_TEST

START_TEST(test_unix_peers_pass)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct peer_list l;
	const char *why;

	ck_assert_int_eq(peers_parse("10.0.0.2", &l, &why), 0);
	/* accept() on a unix socket gives an unnamed peer: the family alone. */
	ck_assert_int_eq(peers_allow(&l, (struct sockaddr *)&un, sizeof(sa_family_t)), 1);
}
END_TEST

static const char *const bad_lists[] = {
	"", ",", "10.0.0.1,", ",10.0.0.1", "10.0.0.1,,10.0.0.2", "10.0.0.1 ", " 10.0.0.1",
	"10.0.0.1, 10.0.0.2", "localhost", "10.0.0", "10.0.0.256", "10.0.0.1/", "10.0.0.1/33",
	"10.0.0.0/08", "10.0.0.0/-8", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/a",
	"10.0.0.5/24", "::1/129", "fd00::1/8", "10.0.0.1:9000", "[::1]", "*", "any",
	"2001:db8::/1000",
	/* 33 addresses */
	"1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,1.0.0.9,1.0.0.10,"
	"1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16,1.0.0.17,1.0.0.18,1.0.0.19,"
	"1.0.0.20,1.0.0.21,1.0.0.22,1.0.0.23,1.0.0.24,1.0.0.25,1.0.0.26,1.0.0.27,1.0.0.28,"
	"1.0.0.29,1.0.0.30,1.0.0.31,1.0.0.32,1.0.0.33",
};

START_TEST(test_parse_refuses)
{
	for (size_t i = 0; i < N_ELEMS(bad_lists); i++) {
		struct peer_list l, before;
		const char *why = NULL;

		peers_default(&l);
		before = l;
		ck_assert_msg(peers_parse(bad_lists[i], &l, &why) == -1,
		    "peers_parse(\"%s\") accepted", bad_lists[i]);
		ck_assert_msg(why != NULL && *why != '\0', "a reason for \"%s\"", bad_lists[i]);
		ck_assert_msg(memcmp(&l, &before, sizeof(l)) == 0,
		    "peers_parse(\"%s\") changed the list it refused", bad_lists[i]);
	}
}
END_TEST

START_TEST(test_name)
{
	struct sockaddr_storage ss;
	char buf[64];
	socklen_t len;

	len = addr_of("10.0.0.7", &ss);
	ck_assert_str_eq(peers_name((struct sockaddr *)&ss, len, buf, sizeof(buf)), "10.0.0.7");
	len = addr_of("::ffff:10.0.0.7", &ss);
	ck_assert_str_eq(peers_name((struct sockaddr *)&ss, len, buf, sizeof(buf)), "10.0.0.7");
	len = addr_of("fd00::1", &ss);
	ck_assert_str_eq(peers_name((struct sockaddr *)&ss, len, buf, sizeof(buf)), "fd00::1");
}
END_TEST

START_TEST(test_log_once_per_interval)
{
	static struct peer_log pl;
	struct sockaddr_storage a, b;
	socklen_t alen = addr_of("10.0.0.7", &a), blen = addr_of("10.0.0.8", &b);
	long refused = -1;
	int lines = 0;

	peer_log_init(&pl, 60000);
	/* A's first refusal is logged; the next 99 within a minute are not. */
	ck_assert_int_eq(peer_log_due(&pl, (struct sockaddr *)&a, alen, 1000, &refused), 1);
	ck_assert_int_eq(refused, 1);
	for (int i = 0; i < 99; i++)
		lines += peer_log_due(&pl, (struct sockaddr *)&a, alen, 1000 + i * 100, &refused);
	ck_assert_int_eq(lines, 0);
	/* Another peer is logged on its own. */
	ck_assert_int_eq(peer_log_due(&pl, (struct sockaddr *)&b, blen, 2000, &refused), 1);
	/* A minute after A's line, the next refusal is logged with the count. */
	ck_assert_int_eq(peer_log_due(&pl, (struct sockaddr *)&a, alen, 60999, &refused), 0);
	ck_assert_int_eq(peer_log_due(&pl, (struct sockaddr *)&a, alen, 61000, &refused), 1);
	ck_assert_int_eq(refused, 101);
	ck_assert_int_eq(peer_log_due(&pl, (struct sockaddr *)&a, alen, 61001, &refused), 0);
}
END_TEST

START_TEST(test_log_many_peers)
{
	static struct peer_log pl;
	struct sockaddr_storage ss;
	char text[32];
	long refused;
	int lines = 0;

	peer_log_init(&pl, 60000);
	/* More peers than slots: each is still logged once, then forgotten. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PEER_LOG_SLOTS * 2; i++) {
			socklen_t len;

			snprintf(text, sizeof(text), "10.1.%d.%d", i / 250, i % 250 + 1);
			len = addr_of(text, &ss);
			lines += peer_log_due(&pl, (struct sockaddr *)&ss, len,
			    round * 10 + i, &refused);
		}
	}
	ck_assert_int_le(lines, 3 * PEER_LOG_SLOTS * 2);
	ck_assert_int_ge(lines, PEER_LOG_SLOTS * 2);
	ck_assert_uint_eq(pl.n, PEER_LOG_SLOTS);
}
END_TEST

Suite *
peers_suite(void)
{
	Suite *s = suite_create("peers");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_allow);
	tcase_add_test(tc, test_unix_peers_pass);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_log_once_per_interval);
	tcase_add_test(tc, test_log_many_peers);
	suite_add_tcase(s, tc);
	return s;
}
