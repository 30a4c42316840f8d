// The hook tools every unit's tools directory links to jujuc (juju-hooks.md §2).
#pragma once

#include <string>
#include <vector>

namespace jujusim {

inline const std::vector<std::string>& hook_tool_names() {
    static const std::vector<std::string> names = {"action-fail",
                                                   "action-get",
                                                   "action-log",
                                                   "action-set",
                                                   "application-version-set",
                                                   "close-port",
                                                   "config-get",
                                                   "credential-get",
                                                   "goal-state",
                                                   "is-leader",
                                                   "juju-log",
                                                   "juju-reboot",
                                                   "leader-get",
                                                   "leader-set",
                                                   "network-get",
                                                   "open-port",
                                                   "opened-ports",
                                                   "relation-get",
                                                   "relation-ids",
                                                   "relation-list",
                                                   "relation-model-get",
                                                   "relation-set",
                                                   "resource-get",
                                                   "secret-add",
                                                   "secret-get",
                                                   "secret-grant",
                                                   "secret-ids",
                                                   "secret-info-get",
                                                   "secret-remove",
                                                   "secret-revoke",
                                                   "secret-set",
                                                   "state-delete",
                                                   "state-get",
                                                   "state-set",
                                                   "status-get",
                                                   "status-set",
                                                   "storage-add",
                                                   "storage-get",
                                                   "storage-list",
                                                   "unit-get"};
    return names;
}

}  // namespace jujusim
