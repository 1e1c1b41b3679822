/*
 * fsync_rate.c - bench/fsync-rate: how many durable writes this disk takes
 * one at a time, so that bench/run can say how POST /order FULL compares
 * with one fdatasync per write. A loop of a 4 KiB pwrite and an fdatasync
 * on a file of its own in DIR (bench/run gives the run's state folder, the
 * file system of the databases), for SECONDS:
 *
 *   bench/fsync-rate DIR SECONDS overwrite|append
 *
 * overwrite: round and round a 4 MiB file written and synced first, as
 * SQLite's WAL is rewritten from its start after a checkpoint (1 000 pages
 * of 4 KiB by default): the file's size never changes, so a sync flushes
 * the data alone. append: at the end of a file that grows, so that each
 * sync also commits the new size to the file system's journal (the file is
 * emptied every 64 MiB, to bound the disk it takes). Prints one line:
 *
 *   RESULT requests=... duration_s=... rps=... p50_ms=... p99_ms=... max_ms=...
 *
 * requests: the syncs; rps: syncs per second; the latencies are those of
 * one write and its sync. The file is removed. Exits 1 on any error, 2 on
 * a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define BLOCK 4096
#define OVERWRITE_BLOCKS 1024			/* 4 MiB */
#define APPEND_LIMIT (64L * 1024 * 1024)	/* emptied past this */
#define MAX_SECONDS 60

struct samples {
	double *ms;
	size_t n, cap;
};

/* Adds one latency to s, growing it; 0, or -1 when out of memory. */
static int
samples_add(struct samples *s, double ms)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 65536;
		double *p = realloc(s->ms, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->ms = p;
		s->cap = cap;
	}
	s->ms[s->n++] = ms;
	return 0;
}

/* The q-quantile (0..1) of sorted samples. */
static double
quantile(const struct samples *s, double q)
{
	size_t i = (size_t)(q * (double)(s->n - 1) + 0.5);

	return s->ms[i];
}

static int
write_block(int fd, const char *block, off_t off)
{
	ssize_t w = pwrite(fd, block, BLOCK, off);

	if (w != BLOCK) {
		fprintf(stderr, "fsync-rate: write: %s\n", w < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/* The overwrite loop's file: its 4 MiB written and synced once. */
static int
preallocate(int fd, const char *block)
{
	for (off_t i = 0; i < OVERWRITE_BLOCKS; i++)
		if (write_block(fd, block, i * BLOCK) < 0)
			return -1;
	if (fsync(fd) < 0) {
		fprintf(stderr, "fsync-rate: fsync: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes and syncs on fd for seconds, each latency into s; the seconds it
 * took, or -1 on an error. */
static double
sync_loop(int fd, int append, double seconds, struct samples *s)
{
	static char block[BLOCK];
	off_t off = 0, end = append ? APPEND_LIMIT : (off_t)OVERWRITE_BLOCKS * BLOCK;
	double start, t;

	memset(block, 'x', sizeof(block));
	if (!append && preallocate(fd, block) < 0)
		return -1;
	start = t = now_s();
	while (t - start < seconds) {
		double t0 = t;

		if (write_block(fd, block, off) < 0)
			return -1;
		if (fdatasync(fd) < 0) {
			fprintf(stderr, "fsync-rate: fdatasync: %s\n", strerror(errno));
			return -1;
		}
		t = now_s();
		if (samples_add(s, (t - t0) * 1e3) < 0) {
			fprintf(stderr, "fsync-rate: out of memory\n");
			return -1;
		}
		off += BLOCK;
		if (off >= end) {
			off = 0;
			if (append && ftruncate(fd, 0) < 0) {
				fprintf(stderr, "fsync-rate: truncate: %s\n", strerror(errno));
				return -1;
			}
			t = now_s();	/* the truncation is no sync's latency */
		}
	}
	return t - start;
}

int
main(int argc, char **argv)
{
	struct samples s = { 0 };
	char path[4096], *end = NULL;
	double seconds = 0, took = -1;
	int fd = -1, append, rc = 1;

	if (argc == 4)
		seconds = strtod(argv[2], &end);
	if (argc != 4 || *argv[2] == '\0' || *end != '\0' || !(seconds > 0 && seconds <= MAX_SECONDS) ||
	    (strcmp(argv[3], "overwrite") != 0 && strcmp(argv[3], "append") != 0)) {
		fprintf(stderr, "usage: fsync-rate DIR SECONDS overwrite|append (SECONDS: up to %d)\n",
		    MAX_SECONDS);
		return 2;
	}
	append = strcmp(argv[3], "append") == 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/fsync-rate.XXXXXX", argv[1]) >= sizeof(path)) {
		fprintf(stderr, "fsync-rate: %s: the path is too long\n", argv[1]);
		goto out;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "fsync-rate: %s: %s\n", path, strerror(errno));
		goto out;
	}
	took = sync_loop(fd, append, seconds, &s);
	if (took < 0 || s.n == 0)
		goto out;
	qsort(s.ms, s.n, sizeof(s.ms[0]), cmp_double);
	printf("RESULT requests=%zu duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
	    s.n, took, (double)s.n / took, quantile(&s, 0.5), quantile(&s, 0.99), s.ms[s.n - 1]);
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(s.ms);
	return rc;
}
