#include <string>

#include <slurmctld/host/mounts.hpp>
#include <slurmctld/host/paths.hpp>

namespace slurmctld::host {

namespace {

/// Undoes the kernel's escaping of mountinfo fields: space, tab, newline and backslash are
/// written as three octal digits after a backslash (e.g. "\040").
std::string unescape(std::string_view field) {
    std::string text;
    text.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string_view digits = field.substr(i + 1, 3);
            if (digits.find_first_not_of("01234567") == std::string_view::npos) {
                text += static_cast<char>(((digits[0] - '0') << 6) | ((digits[1] - '0') << 3) |
                                          (digits[2] - '0'));
                i += 3;
                continue;
            }
        }
        text += field[i];
    }
    return text;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (start < line.size()) {
        const std::size_t end = line.find(' ', start);
        const std::size_t stop = end == std::string_view::npos ? line.size() : end;
        if (stop > start) {
            fields.push_back(line.substr(start, stop - start));
        }
        start = stop + 1;
    }
    return fields;
}

}  // namespace

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    // (1)(2)(3)   (4)   (5)      (6)      (7...)  -  (8)    (9)         (10)
    std::vector<MountInfo> mounts;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::size_t stop = end == std::string_view::npos ? text.size() : end;
        const std::string_view line = text.substr(start, stop - start);
        start = stop + 1;
        ++line_number;
        const auto fields = split_fields(line);
        if (fields.empty()) {
            continue;
        }
        std::size_t separator = 6;
        while (separator < fields.size() && fields[separator] != "-") {
            ++separator;
        }
        if (separator + 2 >= fields.size()) {
            throw HostError("malformed mountinfo line " + std::to_string(line_number) + ": " +
                            std::string(line));
        }
        MountInfo mount;
        mount.root = unescape(fields[3]);
        mount.mount_point = unescape(fields[4]);
        mount.options = std::string(fields[5]);
        mount.fs_type = unescape(fields[separator + 1]);
        mount.source = unescape(fields[separator + 2]);
        mounts.push_back(std::move(mount));
    }
    return mounts;
}

bool is_mount_point(Host& host, const fs::path& path) {
    const auto normal = [](const fs::path& each) {
        std::string text = each.lexically_normal().string();
        while (text.size() > 1 && text.back() == '/') {
            text.pop_back();
        }
        return text;
    };
    const auto wanted = normal(path);
    for (const auto& mount : host.mounts()) {
        if (normal(mount.mount_point) == wanted) {
            return true;
        }
    }
    return false;
}

}  // namespace slurmctld::host
