/*
 * tools.h - every tool's entry point.
 *
 * Each tool lives in tools/NAME.c and exports exactly one function,
 * NAME_main, with main's signature; tools/sockbox.c dispatches to it by
 * name.  Declared here so that the compiler checks the definition against
 * the call (the build uses -Wmissing-prototypes).
 */
#ifndef SOCKBOX_TOOLS_H
#define SOCKBOX_TOOLS_H

int epoll_server_main(int argc, char **argv);
int file_copy_main(int argc, char **argv);
int http_probe_main(int argc, char **argv);
int log_writer_main(int argc, char **argv);
int poll_server_main(int argc, char **argv);
int select_server_main(int argc, char **argv);
int sniff_main(int argc, char **argv);
int struct_pack_main(int argc, char **argv);
int tcp_echo_main(int argc, char **argv);
int udp_broadcast_main(int argc, char **argv);

#endif
