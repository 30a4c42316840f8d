// A model of the InfluxDB 1.x HTTP API, as much as the slurmctld charm and Slurm's
// acct_gather_profile/influxdb plugin use: POST /query with one InfluxQL statement (users,
// databases, grants, retention policies) under the admin's basic auth, and POST /write of line
// protocol into a database. FakeHost serves it to the charm's tests; the influxdb test charm
// serves it over TCP in jujusim.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <slurmctld/util/http.hpp>

namespace test_charms {

class InfluxdbModel {
  public:
    InfluxdbModel(std::string admin_user, std::string admin_password);

    slurmctld::util::http::Response handle(const std::string& method, const std::string& target,
                                           const std::string& authorization,
                                           const std::string& body);

    // ---- state tests inspect ---------------------------------------------------------------
    std::string admin_user;
    std::string admin_password;
    std::map<std::string, std::string> users;               ///< name -> password
    std::map<std::string, std::set<std::string>> grants;    ///< user -> databases
    std::map<std::string, std::set<std::string>> policies;  ///< database -> policy names
    std::map<std::string, std::size_t> points;              ///< database -> lines written
    std::vector<std::string> statements;                    ///< every statement run, in order

  private:
    slurmctld::util::http::Response query(const std::string& statement);
};

}  // namespace test_charms
