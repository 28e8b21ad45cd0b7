/* Reading a plugin's exports from its ELF file with libelf: see
 * plugin_elf.h.  libelf (elfutils) checks the bounds of every table and
 * converts both classes and byte orders; this file only looks. */
#include <gelf.h>
#include <link.h>
#include <stdbool.h>
#include <string.h>
#include "plugin_elf.h"

/* This program's own ELF header (the linker defines it). */
extern const ElfW(Ehdr) __ehdr_start;

static void elf_endp(Elf **e) {
        if (*e)
                elf_end(*e);
}

/* An ELF shared object that this program could load. */
static int check_header(Elf *e, const char *path, struct fcr_diag *d) {
        GElf_Ehdr h;
        const char *ident;

        if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &h) || !(ident = elf_getident(e, NULL)))
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: not an ELF file", path);
        if (h.e_type != ET_DYN)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: not an ELF shared object", path);
        if (ident[EI_CLASS] != __ehdr_start.e_ident[EI_CLASS] || ident[EI_DATA] != __ehdr_start.e_ident[EI_DATA] ||
            h.e_machine != __ehdr_start.e_machine)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: built for another machine (ELF class %u, "
                                "byte order %u, machine %u; this program: %u, %u, %u)", path, ident[EI_CLASS],
                                ident[EI_DATA], h.e_machine, __ehdr_start.e_ident[EI_CLASS],
                                __ehdr_start.e_ident[EI_DATA], __ehdr_start.e_machine);
        return 0;
}

/* A defined data object others may bind to. */
static bool exported_object(const GElf_Sym *s) {
        int bind = GELF_ST_BIND(s->st_info), vis = GELF_ST_VISIBILITY(s->st_other);

        return s->st_shndx != SHN_UNDEF && s->st_shndx < SHN_LORESERVE && GELF_ST_TYPE(s->st_info) == STT_OBJECT &&
               (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) &&
               (vis == STV_DEFAULT || vis == STV_PROTECTED);
}

/* Symbol name in the dynamic symbol table of section scn. */
static bool find_in(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *name, GElf_Sym *ret) {
        Elf_Data *data = elf_getdata(scn, NULL);
        size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

        for (size_t i = 1; data && i < n; i++) {
                GElf_Sym s;
                const char *sname;

                if (!gelf_getsym(data, (int) i, &s))
                        return false;
                sname = elf_strptr(e, sh->sh_link, s.st_name);
                if (sname && !strcmp(sname, name) && exported_object(&s)) {
                        *ret = s;
                        return true;
                }
        }
        return false;
}

static bool find_symbol(Elf *e, const char *name, GElf_Sym *ret) {
        GElf_Shdr sh;

        for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn))
                if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM && find_in(e, scn, &sh, name, ret))
                        return true;
        return false;
}

/* The first bytes of symbol s's initial value, where the file has them. */
static void read_head(Elf *e, const GElf_Sym *s, uint32_t head[2]) {
        Elf_Scn *scn = elf_getscn(e, s->st_shndx);
        Elf_Data *data;
        GElf_Shdr sh;
        uint64_t off;

        memset(head, 0, 2 * sizeof(uint32_t));
        if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || s->st_value < sh.sh_addr)
                return;
        off = s->st_value - sh.sh_addr;
        data = elf_rawdata(scn, NULL);
        if (data && data->d_buf && off <= data->d_size && data->d_size - off >= 2 * sizeof(uint32_t))
                memcpy(head, (const char *) data->d_buf + off, 2 * sizeof(uint32_t));  /* this machine's byte order */
}

int fcr_plugin_elf_check(int fd, const char *path, const char *symbol, uint32_t ret_head[2], struct fcr_diag *d) {
        __attribute__((cleanup(elf_endp))) Elf *e = NULL;
        GElf_Sym s;
        int r;

        if (elf_version(EV_CURRENT) == EV_NONE)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: libelf: %s", path, elf_errmsg(-1));
        e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!e)
                return fcr_fail(d, -ELIBBAD, "cannot load plugin %s: not an ELF file (%s)", path, elf_errmsg(-1));
        r = check_header(e, path, d);
        if (r < 0)
                return r;
        if (!find_symbol(e, symbol, &s))
                return fcr_fail(d, -ELIBBAD, "plugin %s does not export %s", path, symbol);
        read_head(e, &s, ret_head);
        return 0;
}
