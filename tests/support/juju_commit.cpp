#include "support/juju_commit.hpp"

namespace testing_support {

void discard_failed_hook_writes(State& after, const State& before) {
    for (auto& relation : after.relations) {
        const FakeRelation* was = nullptr;
        for (const auto& candidate : before.relations) {
            if (candidate.id == relation.id) {
                was = &candidate;
            }
        }
        if (was != nullptr) {
            relation.local_app_data = was->local_app_data;
            relation.local_unit_data = was->local_unit_data;
        }
    }
    after.unit_state = before.unit_state;
    after.secrets = before.secrets;
    after.removed_secrets = before.removed_secrets;
    after.opened_ports = before.opened_ports;
}

}  // namespace testing_support
