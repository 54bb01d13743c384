# tmpfs_lib.sh -- small file systems that fill up, for the disk-full tests (sourced after
# tests/integration/lib.sh). Needs mount(8) of a tmpfs (root): otherwise the test SKIPs (77).

MOUNTS=()
FILLERS=0

# tmpfs_mount DIR SIZE -- a tmpfs of SIZE at DIR, unmounted when the test ends; SKIP when not
# permitted.
tmpfs_mount () {
    mkdir -p "$1"
    if ! mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>/dev/null; then
        echo "SKIP $IT_NAME: cannot mount a tmpfs (needs root, or mount is not permitted here)" >&2
        exit 77
    fi
    MOUNTS+=("$1")
}

_tmpfs_exit () {
    local rc=$? m
    [ "$BASHPID" = "$$" ] || exit "$rc"
    _it_kill_all                # the daemons first: a busy tmpfs does not unmount
    for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do umount "$m" 2>/dev/null || umount -l "$m"; done
    (exit "$rc")
    _it_exit
}
trap _tmpfs_exit EXIT

# fill DIR KEEP -- one more filler file taking all but ~KEEP KiB of DIR's file system
fill () {
    local free
    free=$(df -k --output=avail "$1" | tail -n 1)
    FILLERS=$((FILLERS + 1))
    [ "$free" -gt "$2" ] || return 0
    dd if=/dev/zero of="$1/filler.$FILLERS" bs=1k count=$((free - $2)) status=none 2>/dev/null || true
}

# unfill DIR -- remove DIR's filler files
unfill () { rm -f "$1"/filler.*; }
