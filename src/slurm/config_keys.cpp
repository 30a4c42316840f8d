#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include <slurmctld/slurm/config_keys.hpp>

namespace slurmctld::slurm {

namespace {

using enum ValueKind;
constexpr unsigned kBoth = kSlurm2411 | kSlurm2511;

// Every key slurmctld 24.11 or 25.11 parses in slurm.conf (src/common/read_config.c,
// slurm_conf_options[], defunct options left out), with slurmutils' value kind where it has one.
constexpr std::array kSlurmConfKeys = std::to_array<KeyInfo>({
    {"AccountingStorageBackupHost", Automatic, kBoth, false},
    {"AccountingStorageEnforce", CommaList, kBoth, false},
    {"AccountingStorageExternalHost", Automatic, kBoth, false},
    {"AccountingStorageHost", Automatic, kBoth, false},
    {"AccountingStorageLoc", Automatic, kSlurm2411, false},
    {"AccountingStorageParameters", CommaDict, kBoth, false},
    {"AccountingStoragePass", Automatic, kBoth, false},
    {"AccountingStoragePort", Automatic, kBoth, false},
    {"AccountingStorageTRES", CommaList, kBoth, false},
    {"AccountingStorageType", Automatic, kBoth, false},
    {"AccountingStorageUser", Automatic, kSlurm2411, false},
    {"AccountingStoreFlags", CommaList, kBoth, false},
    {"AccountingStoreJobComment", Automatic, kBoth, false},
    {"AcctGatherEnergyType", Automatic, kBoth, false},
    {"AcctGatherFilesystemType", Automatic, kBoth, false},
    {"AcctGatherInfinibandType", Automatic, kBoth, false},
    {"AcctGatherInterconnectType", Automatic, kBoth, false},
    {"AcctGatherNodeFreq", Automatic, kBoth, false},
    {"AcctGatherProfileType", Automatic, kBoth, false},
    {"AllowSpecResourcesUsage", Automatic, kBoth, false},
    {"AuthAltParameters", CommaDict, kBoth, false},
    {"AuthAltTypes", CommaList, kBoth, false},
    {"AuthInfo", CommaDict, kBoth, false},
    {"AuthType", Automatic, kBoth, false},
    {"BackupAddr", Automatic, kBoth, false},
    {"BackupController", Automatic, kBoth, false},
    {"BatchStartTimeout", Automatic, kBoth, false},
    {"BcastExclude", CommaList, kBoth, false},
    {"BcastParameters", CommaDict, kBoth, false},
    {"BurstBufferParameters", Automatic, kBoth, false},
    {"BurstBufferType", Automatic, kBoth, false},
    {"CertgenParameters", Automatic, kSlurm2511, false},
    {"CertgenType", Automatic, kSlurm2511, false},
    {"CertmgrParameters", Automatic, kBoth, false},
    {"CertmgrType", Automatic, kBoth, false},
    {"CliFilterParameters", Automatic, kSlurm2511, false},
    {"CliFilterPlugins", CommaList, kBoth, false},
    {"ClusterName", Automatic, kBoth, false},
    {"CommunicationParameters", CommaDict, kBoth, false},
    {"CompleteWait", Automatic, kBoth, false},
    {"ControlAddr", Automatic, kBoth, false},
    {"ControlMachine", Automatic, kBoth, false},
    {"CpuFreqDef", Automatic, kBoth, false},
    {"CpuFreqGovernors", CommaList, kBoth, false},
    {"CredType", Automatic, kBoth, false},
    {"CryptoType", Automatic, kBoth, false},
    {"DataParserParameters", Automatic, kBoth, false},
    {"DebugFlags", CommaList, kBoth, false},
    {"DefMemPerCPU", Automatic, kBoth, false},
    {"DefMemPerNode", Automatic, kBoth, false},
    {"DependencyParameters", CommaDict, kBoth, false},
    {"DisableRootJobs", Automatic, kBoth, false},
    {"DownNodes", Record, kBoth, false},
    {"EioTimeout", Automatic, kBoth, false},
    {"EnforcePartLimits", Automatic, kBoth, false},
    {"Epilog", Automatic, kBoth, true},
    {"EpilogMsgTime", Automatic, kBoth, false},
    {"EpilogSlurmctld", Automatic, kBoth, true},
    {"EpilogTimeout", Automatic, kSlurm2511, false},
    {"FairShareDampeningFactor", Automatic, kBoth, false},
    {"FastSchedule", Automatic, kBoth, false},
    {"FederationParameters", CommaDict, kBoth, false},
    {"FirstJobId", Automatic, kBoth, false},
    {"FrontendName", Record, kSlurm2411, false},
    {"GetEnvTimeout", Automatic, kSlurm2411, false},
    {"GpuFreqDef", Automatic, kBoth, false},
    {"GresTypes", CommaList, kBoth, false},
    {"GroupUpdateForce", ZeroOne, kBoth, false},
    {"GroupUpdateTime", Automatic, kBoth, false},
    {"HashPlugin", Automatic, kBoth, false},
    {"HealthCheckInterval", Automatic, kBoth, false},
    {"HealthCheckNodeState", CommaList, kBoth, false},
    {"HealthCheckProgram", Automatic, kBoth, false},
    {"HttpParserType", Automatic, kSlurm2511, false},
    {"InactiveLimit", Automatic, kBoth, false},
    {"InteractiveStepOptions", Automatic, kBoth, false},
    {"JobAcctGatherFrequency", CommaDict, kBoth, false},
    {"JobAcctGatherParams", CommaDict, kBoth, false},
    {"JobAcctGatherType", Automatic, kBoth, false},
    {"JobCompHost", Automatic, kBoth, false},
    {"JobCompLoc", Automatic, kBoth, false},
    {"JobCompParams", CommaDict, kBoth, false},
    {"JobCompPass", Automatic, kBoth, false},
    {"JobCompPassScript", Automatic, kSlurm2511, false},
    {"JobCompPort", Automatic, kBoth, false},
    {"JobCompType", Automatic, kBoth, false},
    {"JobCompUser", Automatic, kBoth, false},
    {"JobContainerType", Automatic, kBoth, false},
    {"JobFileAppend", ZeroOne, kBoth, false},
    {"JobRequeue", ZeroOne, kBoth, false},
    {"JobSubmitPlugins", CommaList, kBoth, false},
    {"KeepAliveTime", Automatic, kBoth, false},
    {"KillOnBadExit", ZeroOne, kBoth, false},
    {"KillWait", Automatic, kBoth, false},
    {"LaunchParameters", CommaDict, kBoth, false},
    {"LaunchType", Automatic, kBoth, false},
    {"Licenses", CommaDictColonPairs, kBoth, false},
    {"LogTimeFormat", Automatic, kBoth, false},
    {"MailDomain", Automatic, kBoth, false},
    {"MailProg", Automatic, kBoth, false},
    {"MaxArraySize", Automatic, kBoth, false},
    {"MaxBatchRequeue", Automatic, kBoth, false},
    {"MaxDBDMsgs", Automatic, kBoth, false},
    {"MaxJobCount", Automatic, kBoth, false},
    {"MaxJobId", Automatic, kBoth, false},
    {"MaxMemPerCPU", Automatic, kBoth, false},
    {"MaxMemPerNode", Automatic, kBoth, false},
    {"MaxNodeCount", Automatic, kBoth, false},
    {"MaxStepCount", Automatic, kBoth, false},
    {"MaxTasksPerNode", Automatic, kBoth, false},
    {"MCSParameters", McsParameters, kBoth, false},
    {"MCSPlugin", Automatic, kBoth, false},
    {"MessageTimeout", Automatic, kBoth, false},
    {"MetricsType", Automatic, kSlurm2511, false},
    {"MinJobAge", Automatic, kBoth, false},
    {"MpiDefault", Automatic, kBoth, false},
    {"MpiParams", CommaDict, kBoth, false},
    {"NamespaceType", Automatic, kSlurm2511, false},
    {"NodeFeaturesPlugins", CommaList, kBoth, false},
    {"NodeName", Record, kBoth, false},
    {"NodeSet", Record, kBoth, false},
    {"OverTimeLimit", Automatic, kBoth, false},
    {"PartitionName", Record, kBoth, false},
    {"PluginDir", ColonList, kBoth, false},
    {"PlugStackConfig", Automatic, kBoth, false},
    {"PreemptExemptTime", Automatic, kBoth, false},
    {"PreemptMode", Automatic, kBoth, false},
    {"PreemptParameters", CommaDict, kBoth, false},
    {"PreemptType", Automatic, kBoth, false},
    {"PrEpParameters", CommaDict, kBoth, false},
    {"PrEpPlugins", CommaList, kBoth, false},
    {"PriorityCalcPeriod", Automatic, kBoth, false},
    {"PriorityDecayHalfLife", Automatic, kBoth, false},
    {"PriorityFavorSmall", YesNo, kBoth, false},
    {"PriorityFlags", CommaList, kBoth, false},
    {"PriorityMaxAge", Automatic, kBoth, false},
    {"PriorityParameters", Automatic, kBoth, false},
    {"PrioritySiteFactorParameters", Automatic, kBoth, false},
    {"PrioritySiteFactorPlugin", Automatic, kBoth, false},
    {"PriorityType", Automatic, kBoth, false},
    {"PriorityUsageResetPeriod", Automatic, kBoth, false},
    {"PriorityWeightAge", Automatic, kBoth, false},
    {"PriorityWeightAssoc", Automatic, kBoth, false},
    {"PriorityWeightFairshare", Automatic, kBoth, false},
    {"PriorityWeightJobSize", Automatic, kBoth, false},
    {"PriorityWeightPartition", Automatic, kBoth, false},
    {"PriorityWeightQOS", Automatic, kBoth, false},
    {"PriorityWeightTRES", CommaDict, kBoth, false},
    {"PrivateData", CommaList, kBoth, false},
    {"ProctrackType", Automatic, kBoth, false},
    {"Prolog", Automatic, kBoth, true},
    {"PrologEpilogTimeout", Automatic, kBoth, false},
    {"PrologFlags", CommaList, kBoth, false},
    {"PrologSlurmctld", Automatic, kBoth, true},
    {"PrologTimeout", Automatic, kSlurm2511, false},
    {"PropagatePrioProcess", Automatic, kBoth, false},
    {"PropagateResourceLimits", CommaList, kBoth, false},
    {"PropagateResourceLimitsExcept", CommaList, kBoth, false},
    {"RebootProgram", Quoted, kBoth, false},
    {"ReconfigFlags", CommaList, kBoth, false},
    {"RequeueExit", CommaList, kBoth, false},
    {"RequeueExitHold", CommaList, kBoth, false},
    {"ResumeFailProgram", Automatic, kBoth, false},
    {"ResumeProgram", Automatic, kBoth, false},
    {"ResumeRate", Automatic, kBoth, false},
    {"ResumeTimeout", Automatic, kBoth, false},
    {"ResvEpilog", Automatic, kBoth, false},
    {"ResvOverRun", Automatic, kBoth, false},
    {"ResvProlog", Automatic, kBoth, false},
    {"ReturnToService", Automatic, kBoth, false},
    {"RoutePlugin", Automatic, kBoth, false},
    {"SallocDefaultCommand", Automatic, kBoth, false},
    {"SbcastParameters", Automatic, kBoth, false},
    {"SchedulerParameters", CommaDict, kBoth, false},
    {"SchedulerTimeSlice", Automatic, kBoth, false},
    {"SchedulerType", Automatic, kBoth, false},
    {"ScronParameters", CommaDict, kBoth, false},
    {"SelectType", Automatic, kBoth, false},
    {"SelectTypeParameters", CommaDict, kBoth, false},
    {"SlurmctldAddr", Automatic, kBoth, false},
    {"SlurmctldDebug", Automatic, kBoth, false},
    {"SlurmctldHost", Multiline, kBoth, true},
    {"SlurmctldLogFile", Automatic, kBoth, false},
    {"SlurmctldParameters", CommaDict, kBoth, false},
    {"SlurmctldPidFile", Automatic, kBoth, false},
    {"SlurmctldPort", Automatic, kBoth, false},
    {"SlurmctldPrimaryOffProg", Automatic, kBoth, false},
    {"SlurmctldPrimaryOnProg", Automatic, kBoth, false},
    {"SlurmctldSyslogDebug", Automatic, kBoth, false},
    {"SlurmctldTimeout", Automatic, kBoth, false},
    {"SlurmdDebug", Automatic, kBoth, false},
    {"SlurmdLogFile", Automatic, kBoth, false},
    {"SlurmdParameters", CommaDict, kBoth, false},
    {"SlurmdPidFile", Automatic, kBoth, false},
    {"SlurmdPort", Automatic, kBoth, false},
    {"SlurmdSpoolDir", Automatic, kBoth, false},
    {"SlurmdSyslogDebug", Automatic, kBoth, false},
    {"SlurmdTimeout", Automatic, kBoth, false},
    {"SlurmdUser", Automatic, kBoth, false},
    {"SlurmSchedLogFile", Automatic, kBoth, false},
    {"SlurmSchedLogLevel", ZeroOne, kBoth, false},
    {"SlurmUser", Automatic, kBoth, false},
    {"SrunEpilog", Automatic, kBoth, false},
    {"SrunPortRange", Automatic, kBoth, false},
    {"SrunProlog", Automatic, kBoth, false},
    {"StateSaveLocation", Automatic, kBoth, false},
    {"SuspendExcNodes", CommaDictColonPairs, kBoth, false},
    {"SuspendExcParts", CommaList, kBoth, false},
    {"SuspendExcStates", CommaList, kBoth, false},
    {"SuspendProgram", Automatic, kBoth, false},
    {"SuspendRate", Automatic, kBoth, false},
    {"SuspendTime", Automatic, kBoth, false},
    {"SuspendTimeout", Automatic, kBoth, false},
    {"SwitchParameters", CommaDictColonArrays, kBoth, false},
    {"SwitchType", Automatic, kBoth, false},
    {"TaskEpilog", Automatic, kBoth, false},
    {"TaskPlugin", CommaList, kBoth, false},
    {"TaskPluginParam", CommaDict, kBoth, false},
    {"TaskProlog", Automatic, kBoth, false},
    {"TCPTimeout", Automatic, kBoth, false},
    {"TLSParameters", Automatic, kBoth, false},
    {"TLSType", Automatic, kBoth, false},
    {"TmpFS", Automatic, kBoth, false},
    {"TopologyParam", CommaDict, kBoth, false},
    {"TopologyPlugin", Automatic, kBoth, false},
    {"TrackWCKey", YesNo, kBoth, false},
    {"TreeWidth", Automatic, kBoth, false},
    {"UnkillableStepProgram", Automatic, kBoth, false},
    {"UnkillableStepTimeout", Automatic, kBoth, false},
    {"UrlParserType", Automatic, kSlurm2511, false},
    {"UsePAM", ZeroOne, kBoth, false},
    {"VSizeFactor", Automatic, kBoth, false},
    {"WaitTime", Automatic, kBoth, false},
    {"X11Parameters", CommaDict, kBoth, false},
});

// src/interfaces/cgroup.c, cgroup.conf options (CgroupAutomount is defunct in both).
constexpr std::array kCgroupConfKeys = std::to_array<KeyInfo>({
    {"AllowedDevicesFile", Automatic, kBoth, false},
    {"AllowedRAMSpace", Automatic, kBoth, false},
    {"AllowedSwapSpace", Automatic, kBoth, false},
    {"CgroupMountpoint", Automatic, kBoth, false},
    {"CgroupPlugin", Automatic, kBoth, false},
    {"CgroupReleaseAgentDir", Automatic, kSlurm2411, false},
    {"CgroupSlice", Automatic, kSlurm2511, false},
    {"ConstrainCores", YesNo, kBoth, false},
    {"ConstrainDevices", YesNo, kBoth, false},
    {"ConstrainRAMSpace", YesNo, kBoth, false},
    {"ConstrainSwapSpace", YesNo, kBoth, false},
    {"EnableControllers", YesNo, kBoth, false},
    {"EnableExtraControllers", Automatic, kSlurm2511, false},
    {"IgnoreSystemd", YesNo, kBoth, false},
    {"IgnoreSystemdOnFailure", YesNo, kBoth, false},
    {"MaxRAMPercent", Automatic, kBoth, false},
    {"MaxSwapPercent", Automatic, kBoth, false},
    {"MemoryLimitEnforcement", Automatic, kBoth, false},
    {"MemoryLimitThreshold", Automatic, kBoth, false},
    {"MemorySwappiness", Automatic, kBoth, false},
    {"MinRAMSpace", Automatic, kBoth, false},
    {"SignalChildrenProcesses", YesNo, kBoth, false},
    {"SystemdTimeout", Automatic, kBoth, false},
});

template <std::size_t N>
const KeyInfo* find_in(const std::array<KeyInfo, N>& table, std::string_view key) {
    const auto it = std::find_if(table.begin(), table.end(),
                                 [&](const KeyInfo& info) { return iequals(info.name, key); });
    return it == table.end() ? nullptr : &*it;
}

struct FieldKind {
    std::string_view field;
    ValueKind kind;
};

// slurmutils' Partition, Node, NodeSet, DownNodes and FrontendNode models: fields that are not
// plain Python literals.
constexpr std::array kPartitionFields = std::to_array<FieldKind>({
    {"allocnodes", CommaList},
    {"allowaccounts", CommaList},
    {"allowgroups", CommaList},
    {"allowqos", CommaList},
    {"denyaccounts", CommaList},
    {"denyqos", CommaList},
    {"nodes", CommaList},
    {"selecttypeparameters", CommaList},
    {"tresbillingweights", CommaDict},
});
constexpr std::array kNodeFields = std::to_array<FieldKind>({
    {"cpuspeclist", CommaList},
    {"features", CommaList},
    {"gres", CommaList},
    {"reason", Quoted},
});
constexpr std::array kNodeSetFields = std::to_array<FieldKind>({
    {"nodes", CommaList},
});
constexpr std::array kDownNodesFields = std::to_array<FieldKind>({
    {"downnodes", CommaList},
    {"reason", Quoted},
});
constexpr std::array kFrontendFields = std::to_array<FieldKind>({
    {"allowgroups", CommaList},
    {"allowusers", CommaList},
    {"denygroups", CommaList},
    {"denyusers", CommaList},
    {"reason", Quoted},
});
constexpr std::array kGresFields = std::to_array<FieldKind>({
    {"cores", CommaList},
    {"flags", CommaList},
    {"links", CommaList},
    {"multiplefiles", CommaList},
});

template <std::size_t N>
ValueKind kind_in(const std::array<FieldKind, N>& table, std::string_view field) {
    for (const FieldKind& entry : table) {
        if (iequals(entry.field, field)) {
            return entry.kind;
        }
    }
    return Automatic;
}

}  // namespace

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

bool KeyInfo::accepted_by(const SlurmVersion& version) const {
    const unsigned table = version < SlurmVersion{25, 11, 0} ? kSlurm2411 : kSlurm2511;
    return (releases & table) != 0U;
}

const KeyInfo* find_key(ConfigDialect dialect, std::string_view key) {
    switch (dialect) {
        case ConfigDialect::SlurmConf:
            return find_in(kSlurmConfKeys, key);
        case ConfigDialect::CgroupConf:
            return find_in(kCgroupConfKeys, key);
        case ConfigDialect::GresConf:
            return nullptr;
    }
    return nullptr;
}

bool is_record_kind(ConfigDialect dialect, std::string_view key) {
    switch (dialect) {
        case ConfigDialect::SlurmConf:
            return iequals(key, "NodeName") || iequals(key, "PartitionName") ||
                   iequals(key, "NodeSet") || iequals(key, "DownNodes") ||
                   iequals(key, "FrontendName");
        case ConfigDialect::GresConf:
            return iequals(key, "NodeName") || iequals(key, "Name");
        case ConfigDialect::CgroupConf:
            return false;
    }
    return false;
}

bool is_repeatable_key(ConfigDialect dialect, std::string_view key) {
    const KeyInfo* info = find_key(dialect, key);
    return info != nullptr && info->repeatable;
}

ValueKind record_field_kind(std::string_view record_kind, std::string_view field) {
    if (iequals(record_kind, "PartitionName")) {
        return kind_in(kPartitionFields, field);
    }
    if (iequals(record_kind, "NodeName")) {
        return kind_in(kNodeFields, field);
    }
    if (iequals(record_kind, "NodeSet")) {
        return kind_in(kNodeSetFields, field);
    }
    if (iequals(record_kind, "DownNodes")) {
        return kind_in(kDownNodesFields, field);
    }
    if (iequals(record_kind, "FrontendName")) {
        return kind_in(kFrontendFields, field);
    }
    if (iequals(record_kind, "Name")) {
        return kind_in(kGresFields, field);
    }
    return Automatic;
}

std::string record_collection_name(std::string_view record_kind) {
    if (iequals(record_kind, "PartitionName")) {
        return "partitions";
    }
    if (iequals(record_kind, "NodeSet")) {
        return "nodesets";
    }
    if (iequals(record_kind, "NodeName")) {
        return "nodes";
    }
    if (iequals(record_kind, "FrontendName")) {
        return "frontendnodes";
    }
    if (iequals(record_kind, "Name")) {
        return "gres";
    }
    return to_lower(record_kind);
}

}  // namespace slurmctld::slurm
