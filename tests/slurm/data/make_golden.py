#!/usr/bin/env python3
"""Regenerates the slurmutils golden files in this directory (not run by the tests).

Run with upstream's slurmutils (1.1.6) on PYTHONPATH:
    PYTHONPATH=<slurmutils>/src python3 make_golden.py
Each golden is what upstream's charm writes (dump: str(model) + "\\n") or sends (dict()).
"""

import json
import pathlib

from slurmutils import CGroupConfig, SlurmConfig
from slurmutils.slurm import NodeSet, Partition

HERE = pathlib.Path(__file__).parent


def write(name: str, text: str) -> None:
    (HERE / name).write_text(text)


def default_config(container: bool) -> SlurmConfig:
    # Upstream charm.py _on_start, in its order (1.1.6 has no metrics_type).
    config = SlurmConfig()
    config.cluster_name = "charmed-hpc-abcd"
    config.slurmctld_host = ["juju-abc-0", "juju-abc-1"]
    config.auth_alt_parameters = {"jwt_key": "/etc/slurm/jwt_hs256.key"}
    config.auth_alt_types = ["auth/jwt"]
    config.auth_type = "auth/slurm"
    config.cred_type = "cred/slurm"
    config.gres_types = ["gpu"]
    config.max_node_count = 65533
    config.plugin_dir = ["/usr/lib/x86_64-linux-gnu/slurm-wlm"]
    config.plug_stack_config = "/etc/slurm/plugstack.conf.d/plugstack.conf"
    config.proctrack_type = "proctrack/linuxproc" if container else "proctrack/cgroup"
    config.reboot_program = "/usr/sbin/reboot --reboot"
    config.select_type = "select/cons_tres"
    config.select_type_parameters = {"cr_cpu_memory": True}
    config.slurmctld_parameters = {"enable_configless": True}
    config.slurmctld_port = 6817
    config.slurmd_port = 6818
    config.state_save_location = "/var/lib/slurm/checkpoint"
    config.slurmd_spool_dir = "/var/lib/slurm/slurmd"
    config.slurmctld_log_file = "/var/log/slurm/slurmctld.log"
    config.slurmd_log_file = "/var/log/slurm/slurmd.log"
    config.slurmd_pid_file = "/var/run/slurmd.pid"
    config.slurmctld_pid_file = "/var/run/slurmctld.pid"
    config.slurm_user = "slurm"
    config.slurmd_user = "root"
    config.task_plugin = ["task/affinity"] if container else ["task/cgroup", "task/affinity"]
    config.include = ["slurm.conf.accounting", "slurm.conf.profiling", "slurm.conf.overrides"]
    return config


write("upstream-1.1.6-slurm.conf", str(default_config(False)) + "\n")
write("upstream-1.1.6-container-slurm.conf", str(default_config(True)) + "\n")

# slurmd_ready on a fresh slurm.conf.compute, with the user's partition keys first (§4.3).
partition = Partition.from_json(
    '{"defaulttime": "45:00", "maxtime": "1:00:00", "partitionname": "compute", "nodes": ["compute"]}'
)
partition.default = True
compute = SlurmConfig()
compute.nodesets["compute"] = NodeSet(nodeset="compute", feature="compute")
compute.partitions["compute"] = partition
write("upstream-slurm.conf.compute", str(compute) + "\n")

# slurmdbd_ready / influxdb: accounting and profiling includes.
accounting = SlurmConfig()
accounting.accounting_storage_host = "juju-abc-3"
accounting.accounting_storage_port = 6819
accounting.accounting_storage_type = "accounting_storage/slurmdbd"
profiling = SlurmConfig()
profiling.acct_gather_profile_type = "acct_gather_profile/influxdb"
profiling.acct_gather_interconnect_type = "acct_gather_interconnect/sysfs"
profiling.accounting_storage_tres = ["ic/sysfs"]
profiling.acct_gather_node_freq = 30
profiling.job_acct_gather_frequency = {"task": 5, "network": 5}
profiling.job_acct_gather_type = "jobacct_gather/cgroup"
write("upstream-slurm.conf.accounting", str(accounting) + "\n")
write("upstream-slurm.conf.profiling", str(profiling) + "\n")

# slurm-conf-parameters -> slurm.conf.overrides (config-changed dump).
overrides_input = (HERE / "overrides-input.conf").read_text()
overrides = SlurmConfig.from_str(overrides_input)
overrides.slurmctld_parameters["enable_configless"] = True
write("upstream-slurm.conf.overrides", str(overrides) + "\n")

# The slurmconfig value sent to slurmrestd (§4.2), from the files above as parsed by upstream.
main = SlurmConfig.from_str((HERE / "upstream-1.1.6-slurm.conf").read_text())
main.include = ["slurm.conf.compute"] + main.include
slurmconfig = {
    "slurm.conf": main.dict(),
    "slurm.conf.accounting": accounting.dict(),
    "slurm.conf.profiling": SlurmConfig.from_str("").dict(),
    "slurm.conf.overrides": SlurmConfig.from_str((HERE / "upstream-slurm.conf.overrides").read_text()).dict(),
    "slurm.conf.compute": SlurmConfig.from_str((HERE / "upstream-slurm.conf.compute").read_text()).dict(),
}
write("upstream-slurmconfig.json", json.dumps(slurmconfig) + "\n")

# cgroup-parameters on top of the defaults (config-changed dump).
cgroup = CGroupConfig(
    constraincores=True,
    constraindevices=True,
    constrainramspace=True,
    constrainswapspace=True,
    signalchildrenprocesses=True,
)
cgroup.update(CGroupConfig.from_str((HERE / "cgroup-input.conf").read_text()))
write("upstream-cgroup.conf", str(cgroup) + "\n")
write("upstream-default-cgroup.conf", str(CGroupConfig(
    constraincores=True,
    constraindevices=True,
    constrainramspace=True,
    constrainswapspace=True,
    signalchildrenprocesses=True,
)) + "\n")
