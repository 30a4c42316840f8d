#include <slurmctld/juju/gnuflag.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::juju {

void FlagSet::declare(const std::vector<std::string>& names, bool is_bool,
                      std::string default_value) {
    const std::string& canonical = names.front();
    for (const auto& name : names) {
        flags_[name] = Flag{canonical, is_bool, default_value};
    }
}

FlagSet& FlagSet::value(std::initializer_list<std::string> names, std::string default_value) {
    return value(std::vector<std::string>(names), std::move(default_value));
}

FlagSet& FlagSet::boolean(std::initializer_list<std::string> names) {
    return boolean(std::vector<std::string>(names));
}

FlagSet& FlagSet::value(const std::vector<std::string>& names, std::string default_value) {
    declare(names, false, std::move(default_value));
    return *this;
}

FlagSet& FlagSet::boolean(const std::vector<std::string>& names) {
    declare(names, true, "false");
    return *this;
}

const FlagSet::Flag* FlagSet::find(const std::string& name) const {
    const auto it = flags_.find(name);
    return it == flags_.end() ? nullptr : &it->second;
}

void FlagSet::parse(const std::vector<std::string>& args) {
    positional.clear();
    values_.clear();
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1,
                              args.end());
            return;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            positional.push_back(arg);  // interspersed positionals ("-" included)
            continue;
        }
        parse_flag(args, i);
    }
}

void FlagSet::parse_flag(const std::vector<std::string>& args, std::size_t& index) {
    const std::string& arg = args[index];
    const bool is_long = arg[1] == '-';
    std::string name;
    std::optional<std::string> inline_value;
    if (is_long) {
        const auto body = arg.substr(2);
        const auto eq = body.find('=');
        name = body.substr(0, eq);
        if (eq != std::string::npos) {
            inline_value = body.substr(eq + 1);
        }
    } else {
        name = arg.substr(1, 1);
        if (arg.size() > 2) {
            inline_value = arg.substr(2);
        }
    }
    const std::string shown = (is_long ? "--" : "-") + name;
    const Flag* flag = find(name);
    if (flag == nullptr) {
        throw FlagError("flag provided but not defined: " + shown);
    }
    if (flag->is_bool) {
        std::string text = "true";
        if (inline_value) {
            // A short bool flag's trailing text is another flag group in gnuflag; Juju never
            // relies on it, so only the `--x=v` / `-x=v` forms carry values here.
            text = is_long
                       ? *inline_value
                       : (inline_value->starts_with("=") ? inline_value->substr(1) : *inline_value);
        }
        const auto parsed = util::parse_go_bool(text);
        if (!parsed) {
            throw FlagError("invalid value \"" + text + "\" for flag " + shown + ": parse error");
        }
        values_[flag->canonical].push_back(*parsed ? "true" : "false");
        return;
    }
    if (inline_value) {
        values_[flag->canonical].push_back(*inline_value);
    } else if (index + 1 < args.size()) {
        values_[flag->canonical].push_back(args[++index]);
    } else {
        throw FlagError("flag needs an argument: " + shown);
    }
}

bool FlagSet::is_set(const std::string& name) const {
    const Flag* flag = find(name);
    return flag != nullptr && values_.count(flag->canonical) != 0;
}

std::string FlagSet::get(const std::string& name) const {
    const Flag* flag = find(name);
    if (flag == nullptr) {
        return "";
    }
    const auto it = values_.find(flag->canonical);
    return it == values_.end() ? flag->default_value : it->second.back();
}

std::vector<std::string> FlagSet::all(const std::string& name) const {
    const Flag* flag = find(name);
    if (flag == nullptr) {
        return {};
    }
    const auto it = values_.find(flag->canonical);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool FlagSet::on(const std::string& name) const {
    return get(name) == "true";
}

}  // namespace slurmctld::juju
