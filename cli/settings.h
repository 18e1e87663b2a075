// The typed settings of `conformance` and `conformance bench`, read from one JSON document: the
// configuration file's, with the command line's flags merged over it (command_line.h). Every
// setting has one name in that document, so the file, the flags, their validation and
// --print-settings all agree:
//
//   base_url, mcp_url, profile, scope, strict, timeout_seconds, max_body_bytes,
//   code_lifetime_seconds,
//   clients       {registration, public, confidential, second}: the operator's clients
//   driver        {kind, form: {fields}, browser: {executable, headless}, command,
//                  timeout_seconds}
//   introspection {url, client_id, client_secret, bearer}
//   revocation    {url}
//   resources     {second, omit_in_flows}
//   operations    {tool_scopes, scope_implies}
//   bundled_server {port, threads}: the reference server started when no URL is given
//   tls           {ca_file, insecure, client_cert, client_key}
//   resolve       ["HOST:PORT:ADDRESS", ...]
//   headers       {NAME: VALUE}: sent to the servers under test only
//   rate_limits   {max_wait_seconds, pace_ms}
//   cimd          {listen, base_url}: the client ID metadata documents the harness serves
#pragma once

#include "config_file.h"
#include "under_test/target.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace conformance {

struct BundledServerSettings {
  int port = 0; // 0: an ephemeral port
  int threads = 8;
};

// The document server for the CIMD checks (hosting/client_document_server.h).
struct CimdSettings {
  std::optional<std::string> listen_host; // set when it is to run
  int listen_port = 0;
  std::optional<std::string> base_url; // the public https URL mapped to the listener
};

struct Settings {
  RunOptions run; // what to test and how; `base_url` and `mcp_url` may both be empty
  BundledServerSettings bundled;
  CimdSettings cimd;
  // Header values that came from the environment: secrets, hidden wherever they appear.
  std::vector<std::string> environment_secrets;
};

// How much of a document must hold: every rule, or only each member's own (a config file alone,
// whose missing pieces the flags may still give).
enum class Completeness { Whole, MembersOnly };

// Reads and checks `doc`; unknown members and values of the wrong kind are SettingsErrors that
// name their place (and the flag that sets it, where there is one).
Settings settings_from_document(const nlohmann::json& doc,
                                Completeness completeness = Completeness::Whole);

// The settings as a document of the same shape, defaults filled in and every secret replaced,
// for --print-settings.
nlohmann::json settings_document(const Settings& settings);

// Adds every secret the settings hold (client secrets, introspection credentials) to the
// redactor, before anything is sent or printed.
void remember_secrets(const Settings& settings);

} // namespace conformance
