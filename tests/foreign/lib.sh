# Shared by tests/foreign/*.sh (sourced, bash): chroots and the tree.

# tracked_tar SRC TAR: the tracked files of SRC (a git checkout, else all
# but version control), so that nothing built in SRC leaks into a chroot.
tracked_tar() {
        if git -C "$1" rev-parse --git-dir > /dev/null 2>&1; then
                git -C "$1" ls-files -z | tar -C "$1" --null -T - -cf "$2"
        else
                tar -C "$1" --exclude-vcs -cf "$2" .
        fi
}

# The mounts made by chroot_enter, undone by chroot_leave (also on exit).
fcr_mounts=() fcr_links=()
chroot_leave() {
        local i
        for ((i = ${#fcr_mounts[@]} - 1; i >= 0; i--)); do
                umount "${fcr_mounts[i]}" 2> /dev/null || umount -l "${fcr_mounts[i]}" 2> /dev/null || true
        done
        fcr_mounts=()
        for i in "${fcr_links[@]}"; do
                rm -f "$i"
        done
        fcr_links=()
}
trap chroot_leave EXIT

# chroot_enter CHROOT [DIR]: CHROOT a mount point of its own (as sbuild's
# chroots are: unshare -m in the daemon's tests makes "/" private, and
# fails where it is no mount point), /proc in it, and DIR (if given) as
# /fcr.  CHROOT's own path leads to its "/" in it: the kernel names a loop
# device's backing file by its path outside (sysfs), which the daemon
# opens to lock.
chroot_enter() {
        mount --bind "$1" "$1" && fcr_mounts+=("$1")
        mkdir -p "$(dirname "$1$1")" && ln -sfn / "$1$1" && fcr_links+=("$1$1")
        mount -t proc proc "$1/proc" && fcr_mounts+=("$1/proc")
        if [ -n "${2:-}" ]; then
                mkdir -p "$1/fcr"
                mount --bind "$2" "$1/fcr" && fcr_mounts+=("$1/fcr")
        fi
}

# chroot_bind CHROOT DIR...: each DIR of the host at the same path in
# CHROOT, so that a tree built on the host (absolute paths in its Makefiles
# and libtool wrappers) runs there unchanged.
chroot_bind() {
        local c=$1 p
        shift
        for p in "$@"; do
                mkdir -p "$c$p"
                mount --bind "$p" "$c$p" && fcr_mounts+=("$c$p")
        done
}

# in_chroot CHROOT [VAR=VALUE...] CMD...: CMD in CHROOT with a plain
# environment.
in_chroot() {
        local c=$1
        shift
        chroot "$c" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
}
