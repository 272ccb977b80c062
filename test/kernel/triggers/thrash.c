// A page-cache thrasher for PSI tests (kernel-interfaces §1.4): mmap a file larger than
// the memcg limit and touch every page in a loop, so the group keeps refaulting and
// reclaiming its own file pages — memory stall that anonymous memory cannot produce here
// (no swap: a hog at its limit stalls ~1 ms and then just blocks).
//   thrash FILE   (FILE must exist; it is dropped from the page cache first so its pages
//                  are charged to this process's memcg, not to whoever wrote it)
// Prints "started" once mapped; runs until killed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: thrash FILE\n"); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  struct stat st;
  if (fstat(fd, &st) < 0) { perror("fstat"); return 1; }
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  volatile char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  printf("started\n");
  fflush(stdout);
  unsigned long sum = 0;
  for (;;)
    for (off_t i = 0; i < st.st_size; i += 4096) sum += p[i];
  return (int)sum;
}
