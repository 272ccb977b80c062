// Two processes sharing one address space: clone(CLONE_VM) without CLONE_THREAD, the
// case where process_mrelease says EINVAL until every sharer is dying.
//   sharer MIB   prints "ready <pid of the sharer>" once MIB MiB are touched, then sleeps.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int sleeper(void *arg) {
  (void)arg;
  for (;;) pause();
  return 0;
}

int main(int argc, char **argv) {
  long mib = argc > 1 ? atol(argv[1]) : 16;
  size_t stack_size = 1 << 16;
  char *stack = malloc(stack_size);
  if (!stack) return 1;
  int child = clone(sleeper, stack + stack_size, CLONE_VM | SIGCHLD, NULL);
  if (child < 0) { perror("clone"); return 1; }
  size_t bytes = (size_t)mib << 20;
  char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  printf("ready %d\n", child);
  fflush(stdout);
  for (;;) pause();
}
