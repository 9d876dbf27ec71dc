/*
 * Memory read bandwidth with N threads: each thread sums its share of a 1 GiB buffer with 64-byte strides of
 * wide loads (the compiler vectorizes the inner sum), best of several passes. Prints GB/s (1e9 bytes/s).
 * usage: stream THREADS
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BYTES (1L << 30)

static uint64_t *buffer;
static int threads;
static volatile uint64_t sink;

static void *reader(void *arg) {
    long id = (long) arg;
    size_t n = BYTES / sizeof(uint64_t) / threads;
    const uint64_t *p = buffer + id * n;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (size_t i = 0; i < n; i += 8) {
        s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3];
        s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7];
    }
    sink += s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    return NULL;
}

int main(int argc, char **argv) {
    threads = argc > 1 ? atoi(argv[1]) : 2;
    buffer = aligned_alloc(4096, BYTES);
    memset(buffer, 1, BYTES);
    double best = 0;
    for (int pass = 0; pass < 8; pass++) {
        pthread_t t[64];
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, reader, (void *) i);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        if (BYTES / s / 1e9 > best) best = BYTES / s / 1e9;
    }
    printf("%.2f\n", best);
    return 0;
}
