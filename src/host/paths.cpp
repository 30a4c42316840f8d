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

fs::path normalized_path(const fs::path& path) {
    fs::path normal = path.lexically_normal();
    if (!normal.has_filename() && normal.has_relative_path()) {
        normal = normal.parent_path();
    }
    return normal;
}

std::optional<fs::path> path_below(const fs::path& path, const fs::path& base) {
    auto it = path.begin();
    for (const auto& component : base) {
        if (it == path.end() || *it != component) {
            return std::nullopt;
        }
        ++it;
    }
    fs::path rest;
    for (; it != path.end(); ++it) {
        rest /= *it;
    }
    return rest;
}

fs::path link_destination(const fs::path& link, const fs::path& content) {
    return normalized_path(content.is_absolute() ? content : link.parent_path() / content);
}

void require_swappable(Host& host, const fs::path& directory, const fs::path& backup,
                       const std::string& what) {
    if (host.status(directory).type != FileType::Directory) {
        throw HostError(what + ": it is not a directory");
    }
    if (host.status(backup).type != FileType::Missing) {
        throw HostError(what + " (backup " + backup.string() + "): File exists");
    }
}

}  // namespace slurmctld::host
