/* A stand-in for Android's lmkd on its control socket, for ctl's compatibility test: it
 * answers LMK_GETKILLCNT (4) with "4, 0" and, like lmkd's ctrl_command_handler, ignores any
 * command it does not know (reapd's 65 included) without replying. One client at a time.
 * Usage: lmkd-standin SOCKET_PATH; prints "ready" once it listens. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  unlink(argv[1]);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 3) < 0) return perror("listen"), 1;
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) return perror("accept"), 1;
    uint32_t w[13];
    ssize_t n;
    while ((n = recv(c, w, sizeof w, 0)) > 0) {
      if (n >= 4 && ntohl(w[0]) == 4) {
        uint32_t reply[2] = {htonl(4), htonl(0)};
        send(c, reply, sizeof reply, 0);
      }
    }
    close(c);
  }
}
