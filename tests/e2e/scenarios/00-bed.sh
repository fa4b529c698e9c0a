# The test bed itself, as xl sees it: Fig. 9 "before the event".
. /payload/dom0/tap.sh
tap_is "xl info: 2 pCPUs" "$(xl info | awk '$1 == "nr_cpus" { print $3 }')" 2
tap_is "vm1 has 128 MiB" "$(xl_mem vm1)" 128
tap_is "vm2 has 512 MiB" "$(xl_mem vm2)" 512
tap_is "vm3 has 128 MiB" "$(xl_mem vm3)" 128
tap_is "Pool-0 holds pCPUs 0-1" "$(xl_pool_cpus Pool-0)" "0,1"
tap_is "vm1 may run on all pCPUs" "$(xl_affinity vm1)" "all"
