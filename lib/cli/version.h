/*
 * version.h - the one place the sockbox version is written.
 */
#ifndef SOCKBOX_VERSION_H
#define SOCKBOX_VERSION_H

#define SOCKBOX_VERSION "0.1.0"

#endif
