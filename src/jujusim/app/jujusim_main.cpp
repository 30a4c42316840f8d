// jujusim: a juju look-alike over local models (docs/jujusim.md).
#include <jujusim/cli.hpp>

int main(int argc, char** argv) {
    return jujusim::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
