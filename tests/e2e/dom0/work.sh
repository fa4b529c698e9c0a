# work.sh - the workload guest of the guarded-hypervisor scenarios: a
# PVH guest with a disk backed by a dom0 file (blkback over a loop
# device) that keeps writing check-summed patterns to memory and disk
# (tests/e2e/guest-work/), and holds a page granted to dom0.
WORK_CFG=/etc/xen/work.cfg
WORK_CONS=/var/log/xen/console/guest-work.log

# work_start MEMORY_MIB MEMCHECK_MIB: create it and wait for its first
# memcheck pass; 1 when it does not come up.
work_start() {
    if ! xl domid work >/dev/null 2>&1; then
        # Uncompressed: libxc unzips a gzip ramdisk for a PVH guest and
        # fails on the archive appended after the gzip stream.
        zcat /root/guest/initrd.gz > /tmp/work-initrd.img
        truncate -s %4 /tmp/work-initrd.img
        cat /payload/work/work.cpio >> /tmp/work-initrd.img
        dd if=/dev/zero of=/tmp/work-disk bs=1M count=32 2>/dev/null
        WORK_LOOP=$(losetup -f --show /tmp/work-disk)
        cat > $WORK_CFG <<CFG
name = "work"
type = "pvh"
kernel = "/root/guest/vmlinuz"
ramdisk = "/tmp/work-initrd.img"
extra = "console=hvc0 loglevel=4 xs_memcheck_mib=$2 xs_disk=xvdb xs_disk_mib=16 xs_grant=1"
memory = $1
maxmem = $1
vcpus = 2
disk = [ "format=raw, vdev=xvdb, access=rw, script=/payload/dom0/block-loop, target=$WORK_LOOP" ]
on_crash = "preserve"
on_reboot = "preserve"
tsc_mode = "native"
CFG
        # built again if it dies while booting (boot_guest, tap.sh)
        boot_guest work 'XS-MEMCHECK pass=2 ' 300
        return
    fi
    wait_console work 'XS-MEMCHECK pass=2 ' 300
}
# The last value of KEY=N on a memcheck status line.
work_stat() {
    grep 'XS-MEMCHECK pass=' $WORK_CONS | tail -n 1 |
        sed -n "s/.*[ ]$1=\([0-9]*\).*/\1/p"
}
# work_say VALUE: control/xenshift-test of the guest (its init reads it)
work_say() {
    xenstore-write "/local/domain/$(xl domid work)/control/xenshift-test" "$1"
}
# work_wait PATTERN SECONDS: until the console shows PATTERN
work_wait() { wait_console work "$1" "$2"; }
