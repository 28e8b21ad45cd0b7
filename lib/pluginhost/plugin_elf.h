/* What a plugin file says of itself before it is loaded: read from its
 * ELF headers (libelf), so that no code of a file that is not a plugin
 * (a library's constructors) ever runs. */
#pragma once
#include <stdint.h>
#include <fcreplay/diag.h>

/* Whether the file on fd (path: for messages) is an ELF shared object
 * for this machine (class, byte order, architecture) whose dynamic
 * symbols, as its section headers list them, export a defined data
 * object named symbol.  ret_head: the object's first two 32-bit words as
 * the file holds them (a descriptor's abi_version and struct_size, which
 * no relocation changes); zeros where the file holds no bytes for them.
 * 0, or -ELIBBAD with the reason naming path. */
int fcr_plugin_elf_check(int fd, const char *path, const char *symbol, uint32_t ret_head[2], struct fcr_diag *d);
