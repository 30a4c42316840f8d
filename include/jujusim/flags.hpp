// jujusim's verbs and hook tools read command lines with the juju layer's gnuflag parser.
#pragma once

#include <slurmctld/juju/gnuflag.hpp>

namespace jujusim {

using slurmctld::juju::FlagError;
using slurmctld::juju::FlagSet;
using slurmctld::juju::parse_go_bool;

}  // namespace jujusim
