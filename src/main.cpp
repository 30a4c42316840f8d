#include <slurmctld/charm/main.hpp>

int main(int argc, char** argv) {
    return slurmctld::charm::dispatch_main(argc, argv);
}
