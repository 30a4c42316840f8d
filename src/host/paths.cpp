#include <deque>
#include <string>

#include <slurmctld/host/paths.hpp>

namespace slurmctld::host {

namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's MAXSYMLINKS

void push_components_front(std::deque<std::string>& pending, const fs::path& path) {
    std::deque<std::string> components;
    for (const auto& component : path.relative_path()) {
        components.push_back(component.string());
    }
    pending.insert(pending.begin(), components.begin(), components.end());
}

}  // namespace

fs::path resolve_symlinks(const fs::path& path, const SymlinkReader& read_link, bool follow_last) {
    if (!path.is_absolute()) {
        throw HostError("cannot resolve " + path.string() + ": not an absolute path");
    }
    std::deque<std::string> pending;
    push_components_front(pending, path);
    fs::path resolved = "/";
    int hops = 0;
    while (!pending.empty()) {
        const std::string component = std::move(pending.front());
        pending.pop_front();
        if (component.empty() || component == ".") {
            continue;
        }
        if (component == "..") {
            resolved = resolved.parent_path();  // the parent of "/" is "/"
            continue;
        }
        fs::path candidate = resolved / component;
        // A trailing "/" or "/." leaves components behind and so forces the last symlink to
        // be followed, as in POSIX path resolution.
        const bool last = pending.empty();
        if (!last || follow_last) {
            if (auto target = read_link(candidate)) {
                if (++hops > kMaxSymlinkHops) {
                    throw HostError("cannot resolve " + path.string() +
                                    ": too many levels of symbolic links");
                }
                if (target->is_absolute()) {
                    resolved = "/";
                }
                push_components_front(pending, *target);
                continue;
            }
        }
        resolved = std::move(candidate);
    }
    return resolved;
}

fs::path resolve_path(Host& host, const fs::path& path) {
    return resolve_symlinks(path, [&host](const fs::path& p) { return host.read_symlink(p); });
}

}  // namespace slurmctld::host
