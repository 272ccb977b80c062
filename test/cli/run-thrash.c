// Page-cache thrasher for the PSI end-to-end test: mmap a file and read every page in a
// loop. In a small memcg the pages are evicted and refaulted, which PSI counts as memory
// stall (about 220 ms per second measured on this project's machine with 64 MiB and 256 MiB).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: thrash FILE\n"); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  struct stat st; fstat(fd, &st);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  volatile unsigned char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  printf("ready\n"); fflush(stdout);
  unsigned long sum = 0;
  for (;;) for (off_t i = 0; i < st.st_size; i += 4096) sum += p[i];
}
