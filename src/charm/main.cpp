#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/exporter.hpp>
#include <slurmctld/charm/main.hpp>
#include <slurmctld/juju/hook_runner.hpp>

namespace slurmctld::charm {

std::map<std::filesystem::path, std::filesystem::path> trusted_host_links() {
    return {{std::string(kEtcSlurm), std::string(kHaEtcSlurm)},
            {"/etc/os-release", "/usr/lib/os-release"}};
}

int dispatch_main(int argc, char** argv) {
    if (argc > 1 && argv[1] == kExporterCommand) {
        return run_metrics_exporter(argc, argv);  // the cos-agent exporter service
    }
    return juju::run_process_hook(argc, argv,
                                  [](const juju::HookContext& context, juju::HookTools& tools) {
                                      // Lives as long as the process: what run_charm returns
                                      // may use it after the commit.
                                      static host::RealHost host(real_host_options());
                                      return run_charm(context, tools, host);
                                  });
}

}  // namespace slurmctld::charm
