#include "common/influxdb_model.hpp"

#include <regex>

#include <nlohmann/json.hpp>

#include <slurmctld/util/base64.hpp>

namespace test_charms {

namespace http = slurmctld::util::http;
using nlohmann::json;

namespace {

http::Response answer(int status, const json& body) {
    return {status, "application/json", body.dump() + "\n"};
}

http::Response result(const json& fields = json::object()) {
    json entry = {{"statement_id", 0}};
    entry.update(fields);
    return answer(200, {{"results", json::array({entry})}});
}

http::Response failed(const std::string& error) {
    return result({{"error", error}});
}

std::string url_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

/// A form or query-string parameter.
std::string parameter(const std::string& encoded, const std::string& name) {
    std::size_t at = 0;
    while (at <= encoded.size()) {
        const auto end = std::min(encoded.find('&', at), encoded.size());
        const auto pair = encoded.substr(at, end - at);
        if (pair.rfind(name + "=", 0) == 0) {
            return url_decode(pair.substr(name.size() + 1));
        }
        at = end + 1;
    }
    return {};
}

}  // namespace

InfluxdbModel::InfluxdbModel(std::string user, std::string password)
    : admin_user(std::move(user)), admin_password(std::move(password)) {
    users[admin_user] = admin_password;
}

http::Response InfluxdbModel::handle(const std::string& method, const std::string& target,
                                     const std::string& authorization, const std::string& body) {
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    const std::string query_string =
        question == std::string::npos ? "" : target.substr(question + 1);
    std::string user = parameter(query_string, "u");
    std::string password = parameter(query_string, "p");
    if (authorization.rfind("Basic ", 0) == 0) {
        const auto decoded = slurmctld::util::decode_base64(authorization.substr(6));
        if (decoded.has_value()) {
            const auto colon = decoded.value().find(':');
            user = decoded.value().substr(0, colon);
            password = colon == std::string::npos ? "" : decoded.value().substr(colon + 1);
        }
    }
    const auto known = users.find(user);
    if (known == users.end() || known->second != password) {
        return answer(401, {{"error", "authorization failed"}});
    }
    if (path == "/query" && method == "POST") {
        if (user != admin_user) {
            return answer(403, {{"error", "requires admin privilege"}});
        }
        return query(parameter(body, "q"));
    }
    if (path == "/write" && method == "POST") {
        const std::string database = parameter(query_string, "db");
        if (policies.count(database) == 0) {
            return answer(404, {{"error", "database not found: \"" + database + "\""}});
        }
        if (grants[user].count(database) == 0) {
            return answer(403, {{"error", "user is not authorized to write to database"}});
        }
        std::size_t lines = 0;
        for (const char c : body) {
            lines += c == '\n' ? 1 : 0;
        }
        points[database] += lines + (body.empty() || body.back() == '\n' ? 0 : 1);
        return {204, "application/json", ""};
    }
    if (path == "/ping") {
        return {204, "application/json", ""};
    }
    return answer(404, {{"error", "not found"}});
}

http::Response InfluxdbModel::query(const std::string& statement) {
    statements.push_back(statement);
    std::smatch m;
    static const std::regex kShowUsers(R"re(SHOW USERS)re");
    static const std::regex kCreateUser(R"re(CREATE USER "([^"]+)" WITH PASSWORD '([^']*)')re");
    static const std::regex kSetPassword(R"re(SET PASSWORD FOR "([^"]+)" = '([^']*)')re");
    static const std::regex kCreateDatabase(R"re(CREATE DATABASE "([^"]+)")re");
    static const std::regex kGrant(R"re(GRANT ALL ON "([^"]+)" TO "([^"]+)")re");
    static const std::regex kShowPolicies(R"re(SHOW RETENTION POLICIES ON "([^"]+)")re");
    static const std::regex kCreatePolicy(
        R"re(CREATE RETENTION POLICY "([^"]+)" ON "([^"]+)" DURATION 7d REPLICATION 1 DEFAULT)re");
    static const std::regex kDropDatabase(R"re(DROP DATABASE "([^"]+)")re");
    static const std::regex kDropUser(R"re(DROP USER "([^"]+)")re");
    if (std::regex_match(statement, kShowUsers)) {
        json values = json::array();
        for (const auto& [name, password] : users) {
            values.push_back({name, name == admin_user});
        }
        return result({{"series", {{{"columns", {"user", "admin"}}, {"values", values}}}}});
    }
    if (std::regex_match(statement, m, kCreateUser)) {
        if (users.count(m[1]) != 0) {
            return failed("user already exists");
        }
        users[m[1]] = m[2];
        return result();
    }
    if (std::regex_match(statement, m, kSetPassword)) {
        if (users.count(m[1]) == 0) {
            return failed("user not found");
        }
        users[m[1]] = m[2];
        return result();
    }
    if (std::regex_match(statement, m, kCreateDatabase)) {
        policies[m[1]].insert("autogen");
        return result();
    }
    if (std::regex_match(statement, m, kGrant)) {
        if (users.count(m[2]) == 0) {
            return failed("user not found");
        }
        grants[m[2]].insert(m[1]);
        return result();
    }
    if (std::regex_match(statement, m, kShowPolicies)) {
        const auto found = policies.find(m[1]);
        if (found == policies.end()) {
            return failed("database not found: " + std::string(m[1]));
        }
        json values = json::array();
        for (const auto& name : found->second) {
            values.push_back({name, name == "autogen" ? "0s" : "168h0m0s"});
        }
        return result({{"series", {{{"columns", {"name", "duration"}}, {"values", values}}}}});
    }
    if (std::regex_match(statement, m, kCreatePolicy)) {
        if (policies.count(m[2]) == 0) {
            return failed("database not found: " + std::string(m[2]));
        }
        policies[m[2]].insert(m[1]);
        return result();
    }
    if (std::regex_match(statement, m, kDropDatabase)) {
        policies.erase(m[1]);
        return result();
    }
    if (std::regex_match(statement, m, kDropUser)) {
        if (users.erase(m[1]) == 0) {
            return failed("user not found");
        }
        grants.erase(m[1]);
        return result();
    }
    return answer(400, {{"error", "error parsing query: " + statement}});
}

}  // namespace test_charms
