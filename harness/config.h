// The configuration file (`--config FILE`, JSON): everything the command line sets, plus what is
// awkward to pass as flags (static clients, driver settings). Any string may be written
// `${env:NAME}` (alone or inside a longer string) and is read from the environment, so secrets
// stay out of files. Command-line flags override the file.
#pragma once

#include "oauth_client.h"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace conformance {

class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct StaticClient {
  std::string client_id;
  std::string client_secret; // empty for a public client
  ClientAuth auth = ClientAuth::None;
  std::optional<std::string> redirect_uri;
};

struct ConfigFile {
  std::optional<std::string> base_url, mcp_url, profile;
  std::optional<std::string> scope; // what ordinary flows ask for
  std::optional<bool> strict;
  std::optional<double> timeout_seconds;
  std::optional<int> code_lifetime_seconds;

  std::optional<std::string> registration;     // "dynamic" or "static"
  std::map<std::string, StaticClient> clients; // "public", "confidential", "second"...

  std::optional<std::string> driver; // redirect, form, command, manual
  std::map<std::string, std::string> form_fields;
  std::vector<std::string> command;
  std::optional<int> command_timeout_seconds; // driver.timeout_seconds (command and manual)

  std::optional<std::string> introspection_client_id, introspection_client_secret;
  std::optional<std::string> introspection_bearer;
  std::optional<std::string> introspection_url, revocation_url;
  std::optional<std::string> second_resource;
  bool omit_resource = false;
  std::vector<std::pair<std::string, std::string>> tool_scopes;
  std::vector<std::pair<std::string, std::string>> scope_implies;
};

// Replaces each ${env:NAME}; a variable that is not set is an error naming it.
std::string expand_environment(const std::string& value);

// Reads and validates the file; unknown members are errors (a typo must not go unnoticed).
ConfigFile load_config(const std::string& path);
ConfigFile parse_config(const std::string& text); // the same, from a string (tests)

} // namespace conformance
