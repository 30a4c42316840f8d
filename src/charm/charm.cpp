#include <slurmctld/charm/actions.hpp>
#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/main.hpp>
#include <slurmctld/charm/reconcile.hpp>

namespace slurmctld::charm {

std::function<void()> run_charm(const juju::HookContext& context, juju::HookTools& tools,
                                host::Host& host) {
    if (context.is_action()) {
        run_charm_action(context, tools, host);
        return nullptr;
    }
    return run_charm_hook(context, tools, host);
}

host::RealHostOptions real_host_options() {
    host::RealHostOptions options;
    options.trusted_links = trusted_host_links();
    return options;
}

}  // namespace slurmctld::charm
