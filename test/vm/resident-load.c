// The desktop workload of issue 20 ("Stay resident when the machine swaps"), for the VM tier:
//   resident-load leak STEP_MIB STEP_MS   grow by STEP_MIB every STEP_MS, forever
//   resident-load hold MIB                allocate MIB MiB once, print "ready", sleep
//   resident-load reread FILE             read FILE again and again; one line per pass:
//                                         "pass N MS" (the foreground program's latency)
// Anonymous pages get 1 KiB of xorshift output and 3 KiB of a constant: about what zram
// sees of real programs (~3:1 with lz4). Same-filled pages (a hog that writes one byte
// per page) cost zram almost nothing, which would hide the thrash; all-random pages
// cannot be compressed, so swapping them frees no memory at all.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t state = 88172645463325252ull;

static void fill(char *p, size_t bytes) {
  for (size_t page = 0; page < bytes; page += 4096) {
    uint64_t *w = (uint64_t *)(p + page);
    for (size_t i = 0; i < 1024 / 8; i++) {
      state ^= state << 13; state ^= state >> 7; state ^= state << 17;
      w[i] = state;
    }
    memset(p + page + 1024, 0x5a, 3072);
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *grab(long mib) {
  size_t bytes = (size_t)mib << 20;
  char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(1); }
  fill(p, bytes);
  return p;
}

static void leak(long step_mib, long step_ms) {
  for (long total = step_mib;; total += step_mib) {
    double t0 = now_ms();
    grab(step_mib);
    printf("allocated %ld\n", total);
    fflush(stdout);
    long left = step_ms - (long)(now_ms() - t0);
    if (left > 0) usleep(left * 1000);
  }
}

static int reread(const char *path) {
  static char buf[1 << 20];
  for (long pass = 1;; pass++) {
    double t0 = now_ms();
    int fd = open(path, O_RDONLY);
    if (fd < 0) { perror(path); return 1; }
    while (read(fd, buf, sizeof buf) > 0) {}
    close(fd);
    printf("pass %ld %.0f\n", pass, now_ms() - t0);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "leak") == 0) leak(atol(argv[2]), atol(argv[3]));
  if (argc == 3 && strcmp(argv[1], "reread") == 0) return reread(argv[2]);
  if (argc == 3 && strcmp(argv[1], "hold") == 0) {
    grab(atol(argv[2]));
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
  }
  fprintf(stderr, "usage: resident-load leak STEP_MIB STEP_MS | hold MIB | reread FILE\n");
  return 2;
}
