#include <unistd.h>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/main.hpp>
#include <slurmctld/host/real_host.hpp>
#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/dispatcher.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

std::map<std::filesystem::path, std::filesystem::path> trusted_host_links() {
    return {{std::string(kEtcSlurm), std::string(kHaEtcSlurm)},
            {"/etc/os-release", "/usr/lib/os-release"}};
}

int dispatch_main(int argc, char** argv) {
    util::log::Session logging;
    juju::HookContext context;
    try {
        context = juju::HookContext::from_environ(environ, argc > 0 ? argv[0] : "");
    } catch (const juju::ContextError& error) {
        // Not started by Juju (or by a Juju we do not understand): nothing to do safely.
        util::log::error("cannot decode the hook context: {}", error.what());
        return juju::kExitRetry;
    }
    juju::ProcessHookTools process_tools;
    juju::CachingHookTools tools(process_tools, context.unit_name);
    util::log::attach_hook_tools(tools);
    host::RealHostOptions host_options;
    host_options.trusted_links = trusted_host_links();
    host::RealHost host(host_options);
    Charm charm(tools, host, context);
    juju::HandlerRegistry registry;
    charm.register_handlers(registry);
    util::log::info("{}", context.describe());
    const int code = juju::dispatch(context, registry, tools);
    util::log::detach_hook_tools();
    return code;
}

}  // namespace slurmctld::charm
