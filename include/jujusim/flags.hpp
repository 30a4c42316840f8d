// jujusim's verbs and hook tools read command lines with the juju layer's gnuflag parser.
#pragma once

#include <slurmctld/juju/gnuflag.hpp>
#include <slurmctld/util/strings.hpp>

namespace jujusim {

using slurmctld::juju::FlagError;
using slurmctld::juju::FlagSet;
using slurmctld::util::parse_go_bool;

}  // namespace jujusim
