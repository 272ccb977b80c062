// The C side of the scan benchmark: the files reapd reads, read by a minimal C program.
//   cscan MODE SCANS FILE[,FILE…]
//   MODE naive:  per scan, readdir /proc and open/read/close each file of each process;
//        cached: keep one fd per process and file (opened on first sight), pread at 0;
//                an fd whose read fails (ESRCH: the process is gone) is closed; once
//                RLIMIT_NOFILE is nearly reached (64 fds left), further files are
//                open/read/closed.
// Both also read /proc/meminfo and /proc/zoneinfo once per scan, as reapd's snapshot does.
// Reading only, no parsing: the floor a C scanner cannot go below. Prints one JSON line:
//   {"mode":"naive","procs":[n per scan],"us":[µs per scan],"bytes":total,"heldFds":n}
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 8
#define MAX_PID (1 << 22)

static char buf[65536];
static long long total_bytes;
static const char *files[MAX_FILES];
static int nfiles;
static int *fds; /* MAX_PID * nfiles, 0 = none (fd 0 is stdin, never one of ours) */
static int out_of_fds;
static long held;
static long max_held;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void read_path(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) total_bytes += n;
  close(fd);
}

static void read_cached(int pid, int f) {
  int *slot = &fds[(long)pid * nfiles + f];
  char path[64];
  if (*slot <= 0) {
    snprintf(path, sizeof path, "/proc/%d/%s", pid, files[f]);
    if (out_of_fds || held >= max_held) { out_of_fds = 1; read_path(path); return; }
    *slot = open(path, O_RDONLY | O_CLOEXEC);
    if (*slot < 0) { *slot = 0; return; }
    held++;
  }
  ssize_t n = pread(*slot, buf, sizeof buf, 0);
  if (n > 0) total_bytes += n;
  else { close(*slot); *slot = 0; held--; }
}

static int scan(int cached) {
  read_path("/proc/meminfo");
  read_path("/proc/zoneinfo");
  DIR *d = opendir("/proc");
  if (!d) return 0;
  int procs = 0;
  struct dirent *e;
  char path[64];
  while ((e = readdir(d)) != NULL) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    int pid = atoi(e->d_name);
    if (pid <= 0 || pid >= MAX_PID) continue;
    procs++;
    for (int f = 0; f < nfiles; f++) {
      if (cached) read_cached(pid, f);
      else {
        snprintf(path, sizeof path, "/proc/%d/%s", pid, files[f]);
        read_path(path);
      }
    }
  }
  closedir(d);
  return procs;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: cscan naive|cached SCANS FILE[,FILE...]\n"); return 2; }
  int cached = strcmp(argv[1], "cached") == 0;
  int scans = atoi(argv[2]);
  for (char *tok = strtok(argv[3], ","); tok && nfiles < MAX_FILES; tok = strtok(NULL, ",")) files[nfiles++] = tok;
  if (cached) fds = calloc((size_t)MAX_PID * nfiles, sizeof *fds);
  struct rlimit rl;
  max_held = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 128 ? (long)rl.rlim_cur - 64 : 0;
  printf("{\"mode\":\"%s\",\"procs\":[", argv[1]);
  char us[4096] = "";
  for (int i = 0; i < scans; i++) {
    double t0 = now_us();
    int procs = scan(cached);
    double t1 = now_us();
    printf("%s%d", i ? "," : "", procs);
    size_t len = strlen(us);
    snprintf(us + len, sizeof us - len, "%s%.1f", i ? "," : "", t1 - t0);
  }
  printf("],\"us\":[%s],\"bytes\":%lld,\"heldFds\":%ld}\n", us, total_bytes, held);
  return 0;
}
