// Spawns N idle children for the scan benchmark and reaps them on request.
//   sleepers N   fork N children that pause(); print "ready N" once all exist; then read
//                stdin until EOF (or SIGTERM), SIGKILL each child by pid, waitpid each, exit.
// Children get PR_SET_PDEATHSIG(SIGKILL) so none outlives a spawner that dies abruptly.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 0;
  if (n <= 0) { fprintf(stderr, "usage: sleepers N\n"); return 2; }
  pid_t *kids = calloc((size_t)n, sizeof *kids);
  if (!kids) return 1;
  signal(SIGTERM, on_term);
  pid_t self = getpid();
  long made = 0;
  for (; made < n && !stop; made++) {
    pid_t p = fork();
    if (p < 0) { perror("fork"); break; }
    if (p == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != self) _exit(0);
      prctl(PR_SET_NAME, "reapd-sleeper");
      for (;;) pause();
    }
    kids[made] = p;
  }
  printf("ready %ld\n", made);
  fflush(stdout);
  char buf[256];
  while (!stop && read(0, buf, sizeof buf) > 0) {}
  for (long i = 0; i < made; i++) kill(kids[i], SIGKILL);
  for (long i = 0; i < made; i++) waitpid(kids[i], NULL, 0);
  printf("reaped %ld\n", made);
  return 0;
}
