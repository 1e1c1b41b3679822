/*
 * tests/netem/nfq_delay.c: the delay and loss of `tc qdisc ... netem`, in
 * user space, for the network fault tests (tests/netem/netem.sh). It exists
 * because the kernels these tests run on are built without sch_netem
 * (CONFIG_NET_SCH_NETEM is not set, nor nft's queue), but with iptables'
 * NFQUEUE target: iptables sends the packets between two hosts to queue N,
 * and this program, bound to that queue, gives each packet its verdict:
 *   - with probability LOSS it drops the packet at once (NF_DROP). The
 *     sender's send returned when the packet was queued, so the loss is
 *     silent to it, as a loss on the wire is;
 *   - otherwise it holds the packet and accepts it (NF_ACCEPT) DELAY ms
 *     after it arrived, in arrival order (every packet has the same delay,
 *     so the held packets are a FIFO: a ring buffer, its head the next due);
 *   - when LIMIT packets are held already it accepts the packet at once and
 *     counts it as overflowed (netem would drop it: a test that sees an
 *     overflow asked for more than it measured).
 *
 *   nfq_delay --queue N --delay MS [--loss PERCENT] [--seed S] [--limit PACKETS]
 *
 * It owns queue N of the network namespace it runs in (CAP_NET_ADMIN there)
 * from its start until SIGTERM or SIGINT; then it accepts every packet it
 * still holds (and those the kernel handed over that it had not read yet),
 * unbinds the queue and prints one line on stderr:
 *   nfq_delay: queue N: seen S delayed D dropped L overflowed O enobufs E errors R
 * (E: times the kernel could not hand packets over because the socket's
 * buffer was full, each a packet or more the kernel dropped; R: verdicts the
 * kernel refused). Exit status 0, or 1 when a verdict failed, 2 on a bad
 * argument, 3 when the queue could not be set up.
 *
 * A GSO packet is handed over whole (NFQA_CFG_F_GSO), as netem, a qdisc,
 * sees it: delayed or dropped as one. The loss draws come from a xorshift64*
 * generator seeded with S, so a test with --seed drops the same packets of
 * the same sequence every run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>

/* Large enough for a burst at line rate on a veth: the kernel drops what
 * does not fit (ENOBUFS here, counted). */
#define RCVBUF_BYTES (8u << 20)
/* netem's default limit is 1000 packets; a 50 ms delay at 20000 packets/s
 * holds 1000, so the default here leaves room for more. */
#define DEFAULT_LIMIT 10000
/* Messages read before the due packets are released again: a flood of
 * arrivals must not hold up the departures. */
#define READ_BURST 64

struct held {
	uint32_t id;
	int64_t due_ns;
};

struct netem {
	struct nfq_q_handle *qh;
	struct held *ring; /* owned; cap entries, len of them from head on */
	size_t cap, head, len;
	int64_t delay_ns;
	double loss;	/* probability, 0..1 */
	uint64_t rng;	/* xorshift64* state, never 0 */
	unsigned long long seen, delayed, dropped, overflowed, enobufs, errors;
};

struct options {
	unsigned queue;
	long long delay_ms;
	double loss_percent;
	uint64_t seed;
	int seeded;
	size_t limit;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A uniform draw in [0, 1) (xorshift64*, Vigna 2016). */
static double draw(struct netem *n)
{
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return (double)((n->rng * UINT64_C(2685821657736338717)) >> 11) * 0x1.0p-53;
}

/* splitmix64 of the seed: any seed, 0 included, gives a good nonzero state. */
static uint64_t rng_state(uint64_t seed)
{
	uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15);

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	z ^= z >> 31;
	return z ? z : 1;
}

static void verdict(struct netem *n, uint32_t id, uint32_t v)
{
	if (nfq_set_verdict(n->qh, id, v, 0, NULL) < 0) {
		/* Logged once: a refused verdict repeats for every packet. */
		if (n->errors++ == 0)
			fprintf(stderr, "nfq_delay: verdict for packet %" PRIu32 ": %s\n", id,
				strerror(errno));
	}
}

/* Every packet of the queue comes here, as it arrives. */
static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct netem *n = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id;

	(void)qh;
	(void)msg;
	if (!ph)
		return 0; /* no id: nothing to give a verdict to */
	id = ntohl(ph->packet_id);
	n->seen++;
	if (n->loss > 0 && draw(n) < n->loss) {
		n->dropped++;
		verdict(n, id, NF_DROP);
	} else if (n->len == n->cap) {
		n->overflowed++;
		verdict(n, id, NF_ACCEPT);
	} else {
		n->ring[(n->head + n->len) % n->cap] = (struct held){ id, now_ns() + n->delay_ns };
		n->len++;
	}
	return 0;
}

/* Accept the held packets due by `until` (all of them: INT64_MAX). */
static void release_due(struct netem *n, int64_t until)
{
	while (n->len > 0 && n->ring[n->head].due_ns <= until) {
		verdict(n, n->ring[n->head].id, NF_ACCEPT);
		n->delayed++;
		n->head = (n->head + 1) % n->cap;
		n->len--;
	}
}

/* Read what the kernel handed over, up to READ_BURST messages. Returns 0
 * when the socket is empty, 1 when there may be more, -1 on a socket error
 * other than a full buffer. */
static int read_packets(struct nfq_handle *h, int fd, struct netem *n)
{
	static _Alignas(max_align_t) char buf[1 << 16];
	int i;
	ssize_t got;

	for (i = 0; i < READ_BURST; i++) {
		got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (got >= 0) {
			nfq_handle_packet(h, buf, (int)got);
		} else if (errno == ENOBUFS) {
			n->enobufs++; /* the kernel dropped what did not fit; read on */
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return 0;
		} else if (errno != EINTR) {
			fprintf(stderr, "nfq_delay: recv: %s\n", strerror(errno));
			return -1;
		}
	}
	return 1;
}

/* Serve the queue until SIGTERM or SIGINT (blocked outside ppoll, so one
 * that comes between the check and the wait still ends the wait). */
static int serve(struct nfq_handle *h, struct netem *n, const sigset_t *wait_mask)
{
	struct pollfd pfd = { .fd = nfq_fd(h), .events = POLLIN };
	struct timespec ts, *timeout;
	int64_t wait;
	int ready;

	while (!stopping) {
		timeout = NULL;
		if (n->len > 0) {
			wait = n->ring[n->head].due_ns - now_ns();
			if (wait < 0)
				wait = 0;
			ts.tv_sec = wait / 1000000000;
			ts.tv_nsec = wait % 1000000000;
			timeout = &ts;
		}
		ready = ppoll(&pfd, 1, timeout, wait_mask);
		if (ready < 0 && errno != EINTR) {
			fprintf(stderr, "nfq_delay: ppoll: %s\n", strerror(errno));
			return -1;
		}
		if (ready > 0 && read_packets(h, pfd.fd, n) < 0)
			return -1;
		release_due(n, now_ns());
	}
	return 0;
}

static int parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void usage(void)
{
	fputs("usage: nfq_delay --queue N --delay MS [--loss PERCENT] [--seed S] [--limit PACKETS]\n",
	      stderr);
}

/* The options, checked; -1 (after saying why) on a bad one. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "queue", required_argument, NULL, 'q' }, { "delay", required_argument, NULL, 'd' },
		{ "loss", required_argument, NULL, 'l' },  { "seed", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 }
	};
	long long v;
	char *end;
	int c, which = 0, have_queue = 0, have_delay = 0;

	*o = (struct options){ .limit = DEFAULT_LIMIT };
	while ((c = getopt_long(argc, argv, "", longopts, &which)) != -1) {
		switch (c) {
		case 'q':
			if (parse_ll(optarg, 0, 65535, &v) < 0)
				goto bad;
			o->queue = (unsigned)v;
			have_queue = 1;
			break;
		case 'd':
			if (parse_ll(optarg, 0, 3600000, &o->delay_ms) < 0)
				goto bad;
			have_delay = 1;
			break;
		case 'l':
			errno = 0;
			o->loss_percent = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(o->loss_percent) ||
			    o->loss_percent < 0 || o->loss_percent > 100)
				goto bad;
			break;
		case 's':
			if (parse_ll(optarg, 0, LLONG_MAX, &v) < 0)
				goto bad;
			o->seed = (uint64_t)v;
			o->seeded = 1;
			break;
		case 'n':
			if (parse_ll(optarg, 1, 1000000, &v) < 0)
				goto bad;
			o->limit = (size_t)v;
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc || !have_queue || !have_delay) {
		usage();
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "nfq_delay: bad value for --%s: '%s'\n", longopts[which].name, optarg);
	usage();
	return -1;
}

/* The queue bound and set: metadata only (the verdict needs no payload),
 * the kernel's queue longer than the ring, a large socket buffer, GSO
 * packets whole. Returns NULL after saying why. */
static struct nfq_q_handle *queue_open(struct nfq_handle *h, const struct options *o,
				       struct netem *n)
{
	struct nfq_q_handle *qh;

	/* nfq_unbind_pf/nfq_bind_pf are not called: since Linux 3.8 the kernel
	 * ignores them (libnetfilter_queue's documentation). */
	qh = nfq_create_queue(h, (uint16_t)o->queue, on_packet, n);
	if (!qh) {
		fprintf(stderr, "nfq_delay: cannot bind queue %u: %s (another process has it?)\n",
			o->queue, strerror(errno));
		return NULL;
	}
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0 ||
	    nfq_set_queue_maxlen(qh, (uint32_t)(2 * o->limit + 1024)) < 0) {
		fprintf(stderr, "nfq_delay: cannot set queue %u: %s\n", o->queue, strerror(errno));
		nfq_destroy_queue(qh);
		return NULL;
	}
	/* Best effort: a kernel without GSO hand-over segments instead. */
	(void)nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
	nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF_BYTES);
	return qh;
}

int main(int argc, char **argv)
{
	struct options o;
	struct netem n = { 0 };
	struct nfq_handle *h = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t stop_signals, wait_mask;
	int status = 3;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	n.cap = o.limit;
	n.delay_ns = o.delay_ms * 1000000;
	n.loss = o.loss_percent / 100;
	n.rng = rng_state(o.seeded ? o.seed : (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32));

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	n.ring = calloc(n.cap, sizeof *n.ring);
	if (!n.ring) {
		fprintf(stderr, "nfq_delay: out of memory for %zu packets\n", n.cap);
		goto out;
	}
	h = nfq_open();
	if (!h) {
		fprintf(stderr, "nfq_delay: nfq_open: %s (CAP_NET_ADMIN needed)\n", strerror(errno));
		goto out;
	}
	n.qh = queue_open(h, &o, &n);
	if (!n.qh)
		goto out;

	status = serve(h, &n, &wait_mask) < 0 ? 1 : 0;
	/* The packets the kernel handed over and nobody read yet would be
	 * dropped with the queue: read them, then accept all held at once. */
	while (status == 0 && read_packets(h, nfq_fd(h), &n) > 0)
		;
	release_due(&n, INT64_MAX);
	nfq_destroy_queue(n.qh);
	fprintf(stderr,
		"nfq_delay: queue %u: seen %llu delayed %llu dropped %llu overflowed %llu enobufs %llu errors %llu\n",
		o.queue, n.seen, n.delayed, n.dropped, n.overflowed, n.enobufs, n.errors);
	if (n.errors)
		status = 1;
out:
	if (h)
		nfq_close(h);
	free(n.ring);
	return status;
}
