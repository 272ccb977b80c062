// A memory hog for tests and benchmarks.
//   hog MIB                 allocate and touch MIB MiB of anonymous memory, print "ready", sleep
//   hog MIB STEP_MIB STEP_MS  grow by STEP_MIB every STEP_MS until MIB, print "ready", sleep
//   hog MIB ... then exits 0 if stdin is closed? no: it sleeps until killed.
// Each line it prints is flushed so a parent can wait for it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <time.h>

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: hog MIB [STEP_MIB STEP_MS]\n"); return 2; }
  long total = atol(argv[1]);
  long step = argc > 2 ? atol(argv[2]) : total;
  long step_ms = argc > 3 ? atol(argv[3]) : 0;
  if (step <= 0) step = total;
  long done = 0;
  while (done < total) {
    long n = step < total - done ? step : total - done;
    size_t bytes = (size_t)n << 20;
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
    done += n;
    printf("allocated %ld\n", done);
    fflush(stdout);
    if (done < total && step_ms > 0) sleep_ms(step_ms);
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
