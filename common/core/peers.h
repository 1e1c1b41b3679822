/*
 * peers.h - who may connect to a service's FastCGI socket when it listens
 * on TCP: an allow-list of addresses and CIDR prefixes, IPv4 and IPv6
 * (--allow-peers 10.0.0.2,10.0.1.0/24,fd00::/8), loopback only by default;
 * and the memory of which refused peers were logged when, so that one that
 * knocks again and again is logged once a minute, not once a knock. A unix
 * socket's peers are not checked: its file's permissions guard it. Pure
 * (no I/O, time passed in); unit-tested in tests/check_peers.c.
 */
#ifndef MICROSHOP_PEERS_H
#define MICROSHOP_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PEERS_MAX 32
#define PEERS_DEFAULT "127.0.0.0/8,::1"

struct peer_net {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; 4 bytes for AF_INET */
	unsigned bits;		/* prefix length */
};

struct peer_list {
	size_t n;
	struct peer_net net[PEERS_MAX];
};

/*
 * Parse "ADDR[/BITS][,ADDR[/BITS]]...": IPv4 or IPv6 addresses, each with
 * an optional prefix length (an address alone is /32 or /128), no spaces,
 * no bits set past the prefix. Returns 0, or -1 with *why a static reason
 * (l is then unchanged).
 */
int peers_parse(const char *s, struct peer_list *l, const char **why);

/* The default list: PEERS_DEFAULT. */
void peers_default(struct peer_list *l);

/*
 * 1 if the peer at sa (len bytes, as accept() gave it) may connect: an
 * AF_INET or AF_INET6 address inside one of l's prefixes (an IPv4 address
 * mapped into IPv6, ::ffff:a.b.c.d, as the IPv4 one), or any other family
 * (AF_UNIX). 0 otherwise.
 */
int peers_allow(const struct peer_list *l, const struct sockaddr *sa, socklen_t len);

/* The peer's address as text ("10.0.0.7", "fd00::1") into buf; "?" if none. */
const char *peers_name(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);

#define PEER_LOG_SLOTS 64

struct peer_log_slot {
	uint8_t addr[17];	/* family byte, then 16 address bytes */
	int64_t logged_at_ms;
	long refused;		/* refusals since the last line logged */
};

/* Which refused peers were logged when. Zeroed, then peer_log_init. */
struct peer_log {
	int64_t interval_ms;
	size_t n;
	struct peer_log_slot slot[PEER_LOG_SLOTS];
};

void peer_log_init(struct peer_log *pl, int64_t interval_ms);

/*
 * Count a refusal of the peer at sa at now_ms. Returns 1 when a line is to
 * be logged for it (its first refusal, or the first after interval_ms since
 * its last line), with *refused the refusals it stands for (this one and
 * those not logged since); 0 when not. Past PEER_LOG_SLOTS peers, the one
 * logged longest ago is forgotten.
 */
int peer_log_due(struct peer_log *pl, const struct sockaddr *sa, socklen_t len,
    int64_t now_ms, long *refused);

#endif
