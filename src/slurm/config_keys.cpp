#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <unordered_map>

#include <slurmctld/slurm/config_keys.hpp>

namespace slurmctld::slurm {

namespace {

using enum ValueKind;

// The tables below are generated, not typed: a script read SchedMD/slurm at the first tag of each
// release (slurm-22-05-0-1, slurm-23-02-0-1, slurm-23-11-0-1, slurm-24-05-0-1, slurm-24-11-0-1,
// slurm-25-05-0-1, slurm-25-11-0-1) with `git show <tag>:src/common/read_config.c` and the
// cgroup.c of that tag, took every {"Key", S_P_TYPE[, handler]} entry of slurm_conf_options[],
// the record lines' _partition_options[], _nodename_options[], _nodeset_options[],
// _downnodes_options[], _frontend_options[] and cgroup.conf's options[], and printed one row per
// key: Slurm's newest spelling, slurmutils' value kind (carried over from the previous hand-written
// table; Automatic for keys slurmutils does not type), the newest s_p type, the releases that
// accept it, those where its handler is _defunct_option, and those where it is S_P_ARRAY. The first
// tag of a release is used because later patch releases only ever added keys (23.02.1 added
// cgroup.conf EnableControllers) or loosened a type (22.05.7 made partition SuspendTime a string):
// a key in the x.0 table is accepted by every patch release of x. All patch tags were compared to
// check it. BEGIN GENERATED TABLES (see the comment above; do not edit by hand) slurm.conf:
// read_config.c slurm_conf_options[]
constexpr std::array kSlurmConfKeys = std::to_array<KeyInfo>({
    {"AccountingStorageBackupHost", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageEnforce", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageExternalHost", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageHost", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageLoc", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505, 0U, 0U},
    {"AccountingStorageParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStoragePass", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStoragePort", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"AccountingStorageTRES", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStorageUser", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505, kSlurm2511, 0U},
    {"AccountingStoreFlags", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"AccountingStoreJobComment", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"AcctGatherEnergyType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AcctGatherFilesystemType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AcctGatherInfinibandType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AcctGatherInterconnectType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AcctGatherNodeFreq", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"AcctGatherProfileType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AllowSpecResourcesUsage", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"AuthAltParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"AuthAltTypes", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"AuthInfo", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"AuthType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"BackupAddr", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"BackupController", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"BatchStartTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"BcastExclude", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"BcastParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"BurstBufferParameters", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"BurstBufferType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CertgenParameters", Automatic, SlurmType::String, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"CertgenType", Automatic, SlurmType::String, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"CertmgrParameters", Automatic, SlurmType::String, kSlurm2411 | kSlurm2505 | kSlurm2511, 0U,
     0U},
    {"CertmgrType", Automatic, SlurmType::String, kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"CliFilterParameters", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"CliFilterPlugins", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"ClusterName", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CommunicationParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"CompleteWait", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"ControlAddr", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ControlMachine", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CoreSpecPlugin", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302 | kSlurm2311,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"CpuFreqDef", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CpuFreqGovernors", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"CredType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CryptoType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"DataParserParameters", Automatic, SlurmType::String, kSlurm2411 | kSlurm2505 | kSlurm2511, 0U,
     0U},
    {"DebugFlags", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"DefCPUPerGPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerCPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerGPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerNode", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DependencyParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"DisableRootJobs", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"DownNodes", Record, SlurmType::Array, kAllReleases, 0U, kAllReleases},
    {"EioTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"EnforcePartLimits", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Epilog", Automatic, SlurmType::Array, kAllReleases, 0U,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511},
    {"EpilogMsgTime", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"EpilogSlurmctld", Automatic, SlurmType::Array, kAllReleases, 0U,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511},
    {"EpilogTimeout", Automatic, SlurmType::UInt16, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"ExtSensorsFreq", Automatic, SlurmType::UInt16, kSlurm2205 | kSlurm2302,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"ExtSensorsType", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"FairShareDampeningFactor", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"FastSchedule", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"FederationParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"FirstJobId", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"FrontendName", Record, SlurmType::Array,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411},
    {"GetEnvTimeout", Automatic, SlurmType::UInt16,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, kSlurm2505 | kSlurm2511, 0U},
    {"GpuFreqDef", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"GresTypes", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"GroupUpdateForce", ZeroOne, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"GroupUpdateTime", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"HashPlugin", Automatic, SlurmType::String, kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511,
     0U, 0U},
    {"HealthCheckInterval", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"HealthCheckNodeState", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"HealthCheckProgram", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"HttpParserType", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"InactiveLimit", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"InteractiveStepOptions", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobAcctGatherFrequency", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobAcctGatherParams", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobAcctGatherType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompHost", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompLoc", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompParams", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompPass", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompPassScript", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"JobCompPort", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"JobCompType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCompUser", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobContainerType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"JobCredentialPrivateKey", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"JobCredentialPublicCertificate", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"JobFileAppend", ZeroOne, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"JobRequeue", ZeroOne, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"JobSubmitPlugins", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"KeepAliveTime", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"KillOnBadExit", ZeroOne, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"KillWait", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"LaunchParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"LaunchType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Licenses", CommaDictColonPairs, SlurmType::String, kAllReleases, 0U, 0U},
    {"LogTimeFormat", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MailDomain", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MailProg", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MaxArraySize", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxBatchRequeue", Automatic, SlurmType::UInt32,
     kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"MaxDBDMsgs", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxJobCount", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxJobId", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxMemPerCPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"MaxMemPerNode", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"MaxNodeCount", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxStepCount", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxTasksPerNode", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"MCSParameters", McsParameters, SlurmType::String, kAllReleases, 0U, 0U},
    {"MCSPlugin", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MessageTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"MetricsType", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"MinJobAge", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MpiDefault", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MpiParams", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"NamespaceType", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"NodeFeaturesPlugins", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"NodeName", Record, SlurmType::Array, kAllReleases, 0U, kAllReleases},
    {"NodeSet", Record, SlurmType::Array, kAllReleases, 0U, kAllReleases},
    {"OverTimeLimit", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"PartitionName", Record, SlurmType::Array, kAllReleases, 0U, kAllReleases},
    {"PluginDir", ColonList, SlurmType::String, kAllReleases, 0U, 0U},
    {"PlugStackConfig", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PowerParameters", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302 | kSlurm2311,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"PowerPlugin", Automatic, SlurmType::String, kSlurm2205 | kSlurm2302 | kSlurm2311,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"PreemptExemptTime", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PreemptMode", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PreemptParameters", CommaDict, SlurmType::String,
     kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"PreemptType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrEpParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrEpPlugins", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityCalcPeriod", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityDecayHalfLife", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityFavorSmall", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"PriorityFlags", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityMaxAge", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityParameters", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrioritySiteFactorParameters", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrioritySiteFactorPlugin", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityUsageResetPeriod", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PriorityWeightAge", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightAssoc", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightFairshare", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightJobSize", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightPartition", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightQOS", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"PriorityWeightTRES", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrivateData", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"ProctrackType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Prolog", Automatic, SlurmType::Array, kAllReleases, 0U,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511},
    {"PrologEpilogTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"PrologFlags", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"PrologSlurmctld", Automatic, SlurmType::Array, kAllReleases, 0U,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511},
    {"PrologTimeout", Automatic, SlurmType::UInt16, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"PropagatePrioProcess", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"PropagateResourceLimits", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"PropagateResourceLimitsExcept", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"RebootProgram", Quoted, SlurmType::String, kAllReleases, 0U, 0U},
    {"ReconfigFlags", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"RequeueExit", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"RequeueExitHold", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"ResumeFailProgram", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ResumeProgram", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ResumeRate", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"ResumeTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"ResvEpilog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ResvOverRun", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"ResvProlog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ReturnToService", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"RoutePlugin", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SallocDefaultCommand", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SbcastParameters", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SchedulerAuth", Automatic, SlurmType::String, 0U, kSlurm2205 | kSlurm2302 | kSlurm2311, 0U},
    {"SchedulerParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"SchedulerTimeSlice", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SchedulerType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ScronParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"SelectType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SelectTypeParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldAddr", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldDebug", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldHost", Multiline, SlurmType::Array, kAllReleases, 0U, kAllReleases},
    {"SlurmctldLogFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldPidFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldPlugstack", Automatic, SlurmType::String, kSlurm2205, 0U, 0U},
    {"SlurmctldPort", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldPrimaryOffProg", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldPrimaryOnProg", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldSyslogDebug", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmctldTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SlurmdDebug", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdLogFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdParameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdPidFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdPort", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"SlurmdSpoolDir", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdSyslogDebug", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmdTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SlurmdUser", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmSchedLogFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SlurmSchedLogLevel", ZeroOne, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SlurmUser", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SrunEpilog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SrunPortRange", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SrunProlog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"StateSaveLocation", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendExcNodes", CommaDictColonPairs, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendExcParts", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendExcStates", CommaList, SlurmType::String,
     kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"SuspendProgram", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendRate", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SuspendTime", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SwitchParameters", CommaDictColonArrays, SlurmType::String, kAllReleases, 0U, 0U},
    {"SwitchType", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"TaskEpilog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"TaskPlugin", CommaList, SlurmType::String, kAllReleases, 0U, 0U},
    {"TaskPluginParam", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"TaskProlog", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"TCPTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"TLSParameters", Automatic, SlurmType::String,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"TLSType", Automatic, SlurmType::String, kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U,
     0U},
    {"TmpFS", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"TopologyParam", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
    {"TopologyPlugin", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"TrackWCKey", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"TreeWidth", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"UnkillableStepProgram", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"UnkillableStepTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"UrlParserType", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"UsePAM", ZeroOne, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"VSizeFactor", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"WaitTime", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"X11Parameters", CommaDict, SlurmType::String, kAllReleases, 0U, 0U},
});
// cgroup.conf: cgroup.c options[] in slurm_cgroup_conf_init/read_slurm_cgroup_conf
constexpr std::array kCgroupConfKeys = std::to_array<KeyInfo>({
    {"AllowedDevicesFile", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AllowedKmemSpace", Automatic, SlurmType::Float, kSlurm2205 | kSlurm2302, 0U, 0U},
    {"AllowedRAMSpace", Automatic, SlurmType::Float, kAllReleases, 0U, 0U},
    {"AllowedSwapSpace", Automatic, SlurmType::Float, kAllReleases, 0U, 0U},
    {"CgroupAutomount", Automatic, SlurmType::Boolean, kSlurm2205 | kSlurm2302,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U},
    {"CgroupMountpoint", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CgroupPlugin", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CgroupReleaseAgentDir", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505, 0U, 0U},
    {"CgroupSlice", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"ConstrainCores", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"ConstrainDevices", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"ConstrainKmemSpace", Automatic, SlurmType::Boolean, kSlurm2205 | kSlurm2302, 0U, 0U},
    {"ConstrainRAMSpace", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"ConstrainSwapSpace", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"EnableControllers", YesNo, SlurmType::Boolean,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"EnableExtraControllers", Automatic, SlurmType::String, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"IgnoreSystemd", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"IgnoreSystemdOnFailure", YesNo, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"MaxKmemPercent", Automatic, SlurmType::Float, kSlurm2205 | kSlurm2302, 0U, 0U},
    {"MaxRAMPercent", Automatic, SlurmType::Float, kAllReleases, 0U, 0U},
    {"MaxSwapPercent", Automatic, SlurmType::Float, kAllReleases, 0U, 0U},
    {"MemoryLimitEnforcement", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"MemoryLimitThreshold", Automatic, SlurmType::Float, kAllReleases, 0U, 0U},
    {"MemorySwappiness", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"MinKmemSpace", Automatic, SlurmType::UInt64, kSlurm2205 | kSlurm2302, 0U, 0U},
    {"MinRAMSpace", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"RootOwnedCgroups", Automatic, SlurmType::Boolean, kSlurm2302, 0U, 0U},
    {"SignalChildrenProcesses", YesNo, SlurmType::Boolean,
     kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"SystemdTimeout", Automatic, SlurmType::UInt64,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
});
// PartitionName lines: read_config.c _parse_partitionname() _partition_options[]
constexpr std::array kPartitionKeys = std::to_array<KeyInfo>({
    {"AllocNodes", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AllowAccounts", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AllowGroups", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"AllowQos", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Alternate", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CpuBind", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Default", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"DefaultTime", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"DefCPUPerGPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerCPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerGPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DefMemPerNode", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"DenyAccounts", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"DenyQos", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"DisableRootJobs", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"ExclusiveTopo", Automatic, SlurmType::Boolean,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"ExclusiveUser", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"GraceTime", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"Hidden", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"LLN", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"MaxCPUsPerNode", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxCPUsPerSocket", Automatic, SlurmType::UInt32,
     kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"MaxMemPerCPU", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"MaxMemPerNode", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"MaxNodes", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"MaxTime", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"MinNodes", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"Nodes", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"OverSubscribe", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"OverTimeLimit", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"PowerDownOnIdle", Automatic, SlurmType::Boolean,
     kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"PreemptMode", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Priority", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"PriorityJobFactor", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"PriorityTier", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"QOS", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ReqResv", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"ResumeTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"RootOnly", Automatic, SlurmType::Boolean, kAllReleases, 0U, 0U},
    {"SelectTypeParameters", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Shared", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"State", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendTime", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"SuspendTimeout", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"Topology", Automatic, SlurmType::String, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"TRESBillingWeights", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
});
// NodeName lines: read_config.c _parse_nodename() _nodename_options[]
constexpr std::array kNodeNameKeys = std::to_array<KeyInfo>({
    {"BcastAddr", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Boards", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"CoreSpecCount", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"CoresPerSocket", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"CpuBind", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"CPUs", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"CPUSpecList", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Feature", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Features", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Gres", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"GresConf", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"MemSpecLimit", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"NodeAddr", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"NodeHostname", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Parameters", Automatic, SlurmType::String, kSlurm2511, 0U, 0U},
    {"Port", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Procs", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"RealMemory", Automatic, SlurmType::UInt64, kAllReleases, 0U, 0U},
    {"Reason", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"RestrictedCoresPerGPU", Automatic, SlurmType::UInt16,
     kSlurm2405 | kSlurm2411 | kSlurm2505 | kSlurm2511, 0U, 0U},
    {"Sockets", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"SocketsPerBoard", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"State", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"ThreadsPerCore", Automatic, SlurmType::UInt16, kAllReleases, 0U, 0U},
    {"TmpDisk", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
    {"Topology", Automatic, SlurmType::String, kSlurm2505 | kSlurm2511, 0U, 0U},
    {"TRESWeights", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Weight", Automatic, SlurmType::UInt32, kAllReleases, 0U, 0U},
});
// NodeSet lines: read_config.c _parse_nodeset() _nodeset_options[]
constexpr std::array kNodeSetKeys = std::to_array<KeyInfo>({
    {"Feature", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"Nodes", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
});
// DownNodes lines: read_config.c _parse_downnodes() _downnodes_options[]
constexpr std::array kDownNodesKeys = std::to_array<KeyInfo>({
    {"Reason", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
    {"State", Automatic, SlurmType::String, kAllReleases, 0U, 0U},
});
// FrontendName lines: read_config.c _parse_frontend() _frontend_options[] (until 24.11)
constexpr std::array kFrontendKeys = std::to_array<KeyInfo>({
    {"AllowGroups", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"AllowUsers", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"DenyGroups", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"DenyUsers", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"FrontendAddr", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"Port", Automatic, SlurmType::UInt16,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"Reason", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
    {"State", Automatic, SlurmType::String,
     kSlurm2205 | kSlurm2302 | kSlurm2311 | kSlurm2405 | kSlurm2411, 0U, 0U},
});
// END GENERATED TABLES

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

namespace {

struct ReleaseVersion {
    SlurmRelease release;
    SlurmVersion version;
};

constexpr std::array kReleases = std::to_array<ReleaseVersion>({
    {kSlurm2205, {22, 5, 0}},
    {kSlurm2302, {23, 2, 0}},
    {kSlurm2311, {23, 11, 0}},
    {kSlurm2405, {24, 5, 0}},
    {kSlurm2411, {24, 11, 0}},
    {kSlurm2505, {25, 5, 0}},
    {kSlurm2511, {25, 11, 0}},
});

// strtoul/strtoull with base 0 as Slurm calls them, on a value that has no blanks: an optional
// sign, then 0x-hex, 0-octal or decimal digits. Returns the value and where the digits end.
struct ParsedNumber {
    bool negative = false;
    bool overflow = false;
    unsigned long long value = 0;
    std::size_t end = 0;  // 0: no digits
};

ParsedNumber parse_c_unsigned(std::string_view text) {
    ParsedNumber out;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        out.negative = text[i] == '-';
        ++i;
    }
    unsigned base = 10;
    if (i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
        i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
        base = 16;
        i += 2;
    } else if (i < text.size() && text[i] == '0') {
        base = 8;
    }
    const std::size_t digits_start = i;
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        unsigned digit = 0;
        if (std::isdigit(c) != 0) {
            digit = c - '0';
        } else if (base == 16 && std::isxdigit(c) != 0) {
            digit = static_cast<unsigned>(std::tolower(c) - 'a' + 10);
        } else {
            break;
        }
        if (digit >= base) {
            break;
        }
        if (out.value > (~0ULL - digit) / base) {
            out.overflow = true;
        }
        out.value = out.value * base + digit;
    }
    out.end = i == digits_start ? 0 : i;
    return out;
}

bool is_infinite_word(std::string_view value) {
    return iequals(value, "UNLIMITED") || iequals(value, "INFINITE");
}

std::optional<std::string> unsigned_error(std::string_view value, unsigned long long max,
                                          bool k_suffix) {
    if (is_infinite_word(value)) {
        return std::nullopt;
    }
    ParsedNumber number = parse_c_unsigned(value);
    std::size_t end = number.end;
    if (end == 0) {
        return "\"" + std::string(value) + "\" is not a number";
    }
    if (k_suffix && end < value.size() && (value[end] == 'k' || value[end] == 'K')) {
        if (number.value > max / 1024U) {
            number.overflow = true;
        }
        number.value *= 1024U;
        ++end;
    }
    if (end != value.size()) {
        return "\"" + std::string(value) + "\" is not a number";
    }
    if (number.negative) {
        return std::string(value) + " is less than zero";
    }
    if (number.overflow || number.value > max) {
        return std::string(value) + " is greater than " + std::to_string(max);
    }
    return std::nullopt;
}

std::optional<std::string> floating_error(std::string_view value) {
    if (is_infinite_word(value)) {
        return std::nullopt;
    }
    // strtof/strtod accept decimal and hex floats, inf and nan; Slurm takes whatever they parse
    // to the end. A plain decimal number is all anyone writes, so that is what we accept.
    std::size_t i = 0;
    if (i < value.size() && (value[i] == '+' || value[i] == '-')) {
        ++i;
    }
    bool digits = false;
    while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])) != 0) {
        ++i;
        digits = true;
    }
    if (i < value.size() && value[i] == '.') {
        ++i;
        while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])) != 0) {
            ++i;
            digits = true;
        }
    }
    if (digits && i < value.size() && (value[i] == 'e' || value[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < value.size() && (value[j] == '+' || value[j] == '-')) {
            ++j;
        }
        const std::size_t exponent_start = j;
        while (j < value.size() && std::isdigit(static_cast<unsigned char>(value[j])) != 0) {
            ++j;
        }
        if (j > exponent_start) {
            i = j;
        }
    }
    if (!digits || i != value.size()) {
        return "\"" + std::string(value) + "\" is not a number";
    }
    return std::nullopt;
}

}  // namespace

SlurmRelease release_for(const SlurmVersion& version) {
    SlurmRelease found = kReleases.front().release;
    for (const ReleaseVersion& release : kReleases) {
        if (release.version <= version) {
            found = release.release;
        }
    }
    return found;
}

bool newer_than_every_table(const SlurmVersion& version) {
    const auto& newest = kReleases.back().version;
    return std::pair(version.major, version.minor) > std::pair(newest.major, newest.minor);
}

std::string release_name(SlurmRelease release) {
    for (const ReleaseVersion& known : kReleases) {
        if (known.release == release) {
            const std::string minor = std::to_string(known.version.minor);
            return std::to_string(known.version.major) + "." + (minor.size() < 2 ? "0" : "") +
                   minor;
        }
    }
    return "?";
}

std::optional<std::string> slurm_type_error(SlurmType type, std::string_view value) {
    switch (type) {
        case SlurmType::String:
        case SlurmType::Array:
            return std::nullopt;
        case SlurmType::UInt16:
            return unsigned_error(value, 0xffffULL, false);
        case SlurmType::UInt32:
            return unsigned_error(value, 0xffffffffULL, true);
        case SlurmType::UInt64:
            return unsigned_error(value, ~0ULL, true);
        case SlurmType::Long: {
            if (is_infinite_word(value)) {
                return std::nullopt;
            }
            const ParsedNumber number = parse_c_unsigned(value);
            if (number.end == 0 || number.end != value.size()) {
                return "\"" + std::string(value) + "\" is not a number";
            }
            if (number.overflow || number.value > static_cast<unsigned long long>(LONG_MAX)) {
                return std::string(value) + " is out of range";
            }
            return std::nullopt;
        }
        case SlurmType::Boolean:
            if (iequals(value, "yes") || iequals(value, "up") || iequals(value, "true") ||
                value == "1" || iequals(value, "no") || iequals(value, "down") ||
                iequals(value, "false") || value == "0") {
                return std::nullopt;
            }
            return "\"" + std::string(value) + "\" is not yes/no, true/false, up/down or 1/0";
        case SlurmType::Float:
        case SlurmType::Double:
            return floating_error(value);
    }
    return std::nullopt;
}

bool KeyInfo::accepted_by(const SlurmVersion& version) const {
    return (releases & release_for(version)) != 0U;
}

bool KeyInfo::defunct_in(const SlurmVersion& version) const {
    return (defunct & release_for(version)) != 0U;
}

bool KeyInfo::repeatable_in(const SlurmVersion& version) const {
    return (repeated & release_for(version)) != 0U;
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
    return info != nullptr && info->repeatable();
}

const KeyInfo* find_record_field(std::string_view record_kind, std::string_view field) {
    if (iequals(record_kind, "PartitionName")) {
        return find_in(kPartitionKeys, field);
    }
    if (iequals(record_kind, "NodeName")) {
        return find_in(kNodeNameKeys, field);
    }
    if (iequals(record_kind, "NodeSet")) {
        return find_in(kNodeSetKeys, field);
    }
    if (iequals(record_kind, "DownNodes")) {
        return find_in(kDownNodesKeys, field);
    }
    if (iequals(record_kind, "FrontendName")) {
        return find_in(kFrontendKeys, field);
    }
    return nullptr;
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
