/*
 * fuzz_user_feed.c - libFuzzer target: the order service's reading of the
 * user service's event feed and snapshot answers, untrusted input. The
 * first byte chooses the answer (even: a batch of events, odd: a snapshot
 * page), the next 8 the cursor or the id asked after (as the consumer
 * passes them: 0 to 2^53), the next one how many were asked for (0 to a
 * little more than a batch or a page holds); the rest is the body. What is
 * read must keep every promise of user_feed.h; what is refused leaves
 * nothing. The body's first 20 bytes are read as a time, too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user_feed.h"

#define SEQ_MAX ((int64_t)1 << 53)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every fact read says: an id, a role only when active, sane versions. */
static void
fact_check(const struct user_fact *f, int from_snapshot)
{
	size_t role = strnlen(f->role, sizeof(f->role));

	if (f->id < 1 || f->id > SEQ_MAX || (f->deleted != 0 && f->deleted != 1) ||
	    role == sizeof(f->role) || f->user_version < 0 || f->user_version > SEQ_MAX)
		abort();
	/* A snapshot's deleted row says nothing else; an event always does. */
	if (from_snapshot && f->deleted) {
		if (role != 0 || f->cred_version != 0 || f->user_version != 0)
			abort();
	} else if (role == 0 || f->cred_version < 1 || f->cred_version > SEQ_MAX) {
		abort();
	}
}

static void
events_check(const char *body, size_t len, int64_t after, size_t max)
{
	static struct user_feed_batch b;
	const char *why = NULL;

	if (user_feed_read_events(body, len, after, max, &b, &why) < 0) {
		if (b.n != 0 || why == NULL)
			abort();
		return;
	}
	if (b.n > max || b.n > USER_FEED_BATCH_MAX || b.last_seq < after + (int64_t)b.n ||
	    b.last_seq > SEQ_MAX)
		abort();
	for (size_t i = 0; i < b.n; i++) {
		fact_check(&b.facts[i], 0);
		if (b.facts[i].seq != after + 1 + (int64_t)i || b.at[i] < 0)
			abort();
	}
}

static void
snapshot_check(const char *body, size_t len, int64_t after_id, size_t max)
{
	static struct user_snapshot_page p;
	const char *why = NULL;
	int64_t last = after_id;

	if (user_feed_read_snapshot(body, len, after_id, max, &p, &why) < 0) {
		if (p.n != 0 || why == NULL)
			abort();
		return;
	}
	if (p.n > max || p.n > USER_SNAPSHOT_PAGE_MAX || p.seq < 0 || p.seq > SEQ_MAX ||
	    (p.more != 0 && p.more != 1) || (p.more && p.n == 0))
		abort();
	for (size_t i = 0; i < p.n; i++) {
		fact_check(&p.facts[i], 1);
		if (p.facts[i].id <= last || p.facts[i].seq != p.seq)
			abort();
		last = p.facts[i].id;
	}
}

/* A time read is one moment in its one spelling. */
static void
time_check(const char *s, size_t len)
{
	int64_t t = user_feed_time(s, len);
	time_t tt = (time_t)t;
	char again[24];
	struct tm tm;

	if (t == -1)
		return;
	if (t < 0 || len != 20 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(again, sizeof(again), "%Y-%m-%dT%H:%M:%SZ", &tm) != 20 ||
	    memcmp(again, s, 20) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t raw;
	int64_t after;
	size_t max;
	int snapshot;

	if (size < 10)
		return 0;
	snapshot = data[0] & 1;
	memcpy(&raw, data + 1, sizeof(raw));
	after = (int64_t)(raw % ((uint64_t)SEQ_MAX + 1));
	/* Small cursors are where the events that fuzzing finds are. */
	if (data[0] & 2)
		after %= 64;
	max = data[9] % (USER_SNAPSHOT_PAGE_MAX + 8);
	data += 10;
	size -= 10;
	if (snapshot)
		snapshot_check((const char *)data, size, after, max);
	else
		events_check((const char *)data, size, after, max);
	time_check((const char *)data, size < 20 ? size : 20);
	return 0;
}
