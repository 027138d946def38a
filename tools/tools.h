/*
 * tools.h - every tool's entry point and option table.
 *
 * Each tool lives in tools/NAME.c and exports two things: NAME_main, with
 * main's signature, and NAME_tool, its option table and the name and
 * summary that tools/sockbox.c lists (one home for both).  Declared here so
 * that the compiler checks each definition against its use (the build uses
 * -Wmissing-prototypes).
 */
#ifndef SOCKBOX_TOOLS_H
#define SOCKBOX_TOOLS_H

#include "cli/opt.h"

int epoll_server_main(int argc, char **argv);
int file_copy_main(int argc, char **argv);
int ftp_client_main(int argc, char **argv);
int ftp_server_main(int argc, char **argv);
int http_probe_main(int argc, char **argv);
int ipc_bench_main(int argc, char **argv);
int log_writer_main(int argc, char **argv);
int poll_server_main(int argc, char **argv);
int select_server_main(int argc, char **argv);
int sniff_main(int argc, char **argv);
int struct_pack_main(int argc, char **argv);
int tcp_echo_main(int argc, char **argv);
int udp_broadcast_main(int argc, char **argv);
int udp_chat_main(int argc, char **argv);
int uring_server_main(int argc, char **argv);

extern const struct opt_tool epoll_server_tool;
extern const struct opt_tool file_copy_tool;
extern const struct opt_tool ftp_client_tool;
extern const struct opt_tool ftp_server_tool;
extern const struct opt_tool http_probe_tool;
extern const struct opt_tool ipc_bench_tool;
extern const struct opt_tool log_writer_tool;
extern const struct opt_tool poll_server_tool;
extern const struct opt_tool select_server_tool;
extern const struct opt_tool sniff_tool;
extern const struct opt_tool struct_pack_tool;
extern const struct opt_tool tcp_echo_tool;
extern const struct opt_tool udp_broadcast_tool;
extern const struct opt_tool udp_chat_tool;
extern const struct opt_tool uring_server_tool;

#endif
