// A parsed unit file read as a service: what each [Unit], [Service] and [Install] setting means
// to the service manager, with systemd's defaults and its "ignoring invalid" warnings.
#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include <sys/resource.h>

#include <jujusim/unit_file.hpp>

namespace jujusim::units {

namespace {

const std::map<std::string, int>& limit_names() {
    static const std::map<std::string, int> names = {
        {"LimitNOFILE", RLIMIT_NOFILE},     {"LimitMEMLOCK", RLIMIT_MEMLOCK},
        {"LimitSTACK", RLIMIT_STACK},       {"LimitNPROC", RLIMIT_NPROC},
        {"LimitCORE", RLIMIT_CORE},         {"LimitAS", RLIMIT_AS},
        {"LimitFSIZE", RLIMIT_FSIZE},       {"LimitDATA", RLIMIT_DATA},
        {"LimitCPU", RLIMIT_CPU},           {"LimitRSS", RLIMIT_RSS},
        {"LimitLOCKS", RLIMIT_LOCKS},       {"LimitSIGPENDING", RLIMIT_SIGPENDING},
        {"LimitMSGQUEUE", RLIMIT_MSGQUEUE}, {"LimitNICE", RLIMIT_NICE},
        {"LimitRTPRIO", RLIMIT_RTPRIO}};
    return names;
}

/// Reads one unit's settings into a ServiceDefinition, a section (or a family of settings) at
/// a time; an invalid value is left at its default with a warning, as systemd does.
class DefinitionReader {
  public:
    DefinitionReader(const UnitFile& unit, const SpecifierContext& context)
        : unit_(unit), context_(context) {
        def_.name = unit.name;
    }

    ServiceDefinition read() {
        read_unit_section();
        read_conditions();
        read_start_limits();
        read_commands_and_type();
        read_environment();
        read_credentials_and_directories();
        read_restart();
        read_exit_statuses_and_limits();
        read_kill();
        read_timeouts_and_output();
        read_install_section();
        return std::move(def_);
    }

  private:
    std::string spec(const std::string& text) const { return expand_specifiers(text, context_); }

    void warn(const std::string& key, const std::string& value) {
        def_.warnings.push_back(unit_.name + ": ignoring invalid " + key + "=" + value);
    }

    std::vector<std::string> list_words(const std::string& section, const std::string& key) const {
        std::vector<std::string> words;
        for (const auto& value : unit_.values(section, key)) {
            for (auto& word : split_words(spec(value))) {
                words.push_back(std::move(word));
            }
        }
        return words;
    }

    void timespan(const std::string& section, const std::string& key,
                  std::optional<std::chrono::microseconds>& out) {
        if (const auto value = unit_.value(section, key)) {
            try {
                out = parse_timespan(*value);
                if (out && out->count() == 0) {
                    out = std::nullopt;  // 0 turns the timeout off
                }
            } catch (const std::exception&) {
                warn(key, *value);
            }
        }
    }

    void read_unit_section() {
        def_.description = spec(unit_.value("Unit", "Description").value_or(""));
        def_.documentation = list_words("Unit", "Documentation");
        def_.after = list_words("Unit", "After");
        def_.before = list_words("Unit", "Before");
        def_.wants = list_words("Unit", "Wants");
        def_.requires_units = list_words("Unit", "Requires");
    }

    void read_conditions() {
        for (const char* setting : {"ConditionPathExists", "ConditionPathIsDirectory",
                                    "ConditionFileNotEmpty", "ConditionFileIsExecutable",
                                    "ConditionDirectoryNotEmpty", "ConditionPathIsMountPoint"}) {
            for (const auto& value : unit_.values("Unit", setting)) {
                std::string path = spec(value);
                bool negate = false;
                if (!path.empty() && path[0] == '|') {
                    path.erase(0, 1);  // triggering conditions are treated as plain ones
                }
                if (!path.empty() && path[0] == '!') {
                    negate = true;
                    path.erase(0, 1);
                }
                def_.conditions.push_back({setting, path, negate});
            }
        }
    }

    void read_start_limits() {
        for (const auto& [section, key] : {std::pair{"Unit", "StartLimitIntervalSec"},
                                           std::pair{"Service", "StartLimitInterval"}}) {
            if (const auto value = unit_.value(section, key)) {
                try {
                    def_.start_limit_interval =
                        parse_timespan(*value).value_or(std::chrono::microseconds(0));
                } catch (const std::exception&) {
                    warn(key, *value);
                }
            }
        }
        for (const auto& [section, key] :
             {std::pair{"Unit", "StartLimitBurst"}, std::pair{"Service", "StartLimitBurst"}}) {
            if (const auto value = unit_.value(section, key)) {
                try {
                    def_.start_limit_burst = static_cast<unsigned>(std::stoul(*value));
                } catch (const std::exception&) {
                    warn(key, *value);
                }
            }
        }
    }

    void read_commands_and_type() {
        def_.exec_start_pre = unit_.values("Service", "ExecStartPre");
        def_.exec_start = unit_.values("Service", "ExecStart");
        def_.exec_start_post = unit_.values("Service", "ExecStartPost");
        def_.exec_reload = unit_.values("Service", "ExecReload");
        def_.exec_stop = unit_.values("Service", "ExecStop");
        def_.exec_stop_post = unit_.values("Service", "ExecStopPost");
        for (auto* list : {&def_.exec_start_pre, &def_.exec_start, &def_.exec_start_post,
                           &def_.exec_reload, &def_.exec_stop, &def_.exec_stop_post}) {
            for (auto& line : *list) {
                line = spec(line);
            }
        }
        const auto type = unit_.value("Service", "Type");
        if (!type || type->empty()) {
            def_.type = def_.exec_start.empty() ? ServiceType::Oneshot : ServiceType::Simple;
        } else if (const auto named = value_named(kServiceTypes, *type)) {
            def_.type = *named;
        } else {
            warn("Type", *type);
        }
    }

    void read_environment() {
        for (const auto& value : unit_.values("Service", "Environment")) {
            for (auto& assignment : parse_environment_assignments(spec(value))) {
                def_.environment.push_back(std::move(assignment));
            }
        }
        for (const auto& value : unit_.values("Service", "EnvironmentFile")) {
            std::string path = spec(value);
            const bool optional = !path.empty() && path[0] == '-';
            if (optional) {
                path.erase(0, 1);
            }
            def_.environment_files.emplace_back(path, optional);
        }
    }

    void read_credentials_and_directories() {
        def_.user = spec(unit_.value("Service", "User").value_or(""));
        def_.group = spec(unit_.value("Service", "Group").value_or(""));
        def_.runtime_directories = list_words("Service", "RuntimeDirectory");
        def_.state_directories = list_words("Service", "StateDirectory");
        def_.logs_directories = list_words("Service", "LogsDirectory");
        if (const auto mode = unit_.value("Service", "RuntimeDirectoryMode")) {
            try {
                def_.runtime_directory_mode = static_cast<mode_t>(std::stoul(*mode, nullptr, 8));
            } catch (const std::exception&) {
                warn("RuntimeDirectoryMode", *mode);
            }
        }
        if (const auto preserve = unit_.value("Service", "RuntimeDirectoryPreserve")) {
            def_.runtime_directory_preserve =
                *preserve == "restart" || parse_boolean(*preserve, false);
        }
        if (const auto dir = unit_.value("Service", "WorkingDirectory")) {
            std::string path = spec(*dir);
            if (!path.empty() && path[0] == '-') {
                def_.working_directory_optional = true;
                path.erase(0, 1);
            }
            def_.working_directory = path;
        }
        def_.pid_file = spec(unit_.value("Service", "PIDFile").value_or(""));
    }

    void read_restart() {
        def_.remain_after_exit =
            parse_boolean(unit_.value("Service", "RemainAfterExit").value_or("no"), false);
        def_.guess_main_pid =
            parse_boolean(unit_.value("Service", "GuessMainPID").value_or("yes"), true);
        if (const auto restart = unit_.value("Service", "Restart")) {
            if (const auto named = value_named(kRestartPolicies, *restart)) {
                def_.restart = *named;
            } else {
                warn("Restart", *restart);
            }
        }
        if (const auto value = unit_.value("Service", "RestartSec")) {
            try {
                def_.restart_sec = parse_timespan(*value).value_or(std::chrono::microseconds(0));
            } catch (const std::exception&) {
                warn("RestartSec", *value);
            }
        }
    }

    void read_exit_statuses_and_limits() {
        for (const auto& value : unit_.values("Service", "SuccessExitStatus")) {
            for (const auto& word : split_words(value)) {
                try {
                    const bool numeric = std::all_of(word.begin(), word.end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c)) != 0;
                    });
                    // Signals are kept as 128+N (the way exits by signal are reported here).
                    def_.success_exit_status.push_back(numeric ? std::stoi(word)
                                                               : 128 + parse_signal(word));
                } catch (const std::exception&) {
                    warn("SuccessExitStatus", word);
                }
            }
        }
        for (const auto& [key, resource] : limit_names()) {
            if (const auto value = unit_.value("Service", key)) {
                if (const auto limit = parse_resource_limit(*value)) {
                    def_.limits[resource] = *limit;
                } else {
                    warn(key, *value);
                }
            }
        }
    }

    void read_kill() {
        if (const auto mode = unit_.value("Service", "KillMode")) {
            if (const auto named = value_named(kKillModes, *mode)) {
                def_.kill_mode = *named;
            } else {
                warn("KillMode", *mode);
            }
        }
        if (const auto signal = unit_.value("Service", "KillSignal")) {
            try {
                def_.kill_signal = parse_signal(*signal);
            } catch (const std::exception&) {
                warn("KillSignal", *signal);
            }
        }
        def_.send_sigkill =
            parse_boolean(unit_.value("Service", "SendSIGKILL").value_or("yes"), true);
    }

    void read_timeouts_and_output() {
        timespan("Service", "TimeoutSec", def_.timeout_start);
        timespan("Service", "TimeoutSec", def_.timeout_stop);
        timespan("Service", "TimeoutStartSec", def_.timeout_start);
        timespan("Service", "TimeoutStopSec", def_.timeout_stop);
        def_.standard_output = unit_.value("Service", "StandardOutput").value_or("journal");
        def_.standard_error = unit_.value("Service", "StandardError").value_or("inherit");
        def_.syslog_identifier = spec(unit_.value("Service", "SyslogIdentifier").value_or(""));
    }

    void read_install_section() {
        def_.has_install_section = unit_.sections.count("Install") != 0;
        def_.wanted_by = list_words("Install", "WantedBy");
        def_.required_by = list_words("Install", "RequiredBy");
        def_.also = list_words("Install", "Also");
    }

    const UnitFile& unit_;
    const SpecifierContext& context_;
    ServiceDefinition def_;
};

}  // namespace

ServiceDefinition to_service_definition(const UnitFile& unit, const SpecifierContext& context) {
    return DefinitionReader(unit, context).read();
}

}  // namespace jujusim::units
