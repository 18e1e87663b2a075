#include "command_line.h"

#include "core/text.h"
#include "drivers/driver_factory.h"

#include <iostream>

namespace conformance {
namespace {

using nlohmann::json;

enum class Kind {
  Text,    // a string
  Seconds, // a positive number
  Integer, // a whole number (the document's reader checks its range)
  Switch,  // present or not
  Pairs,   // NAME=VALUE, repeatable
  List,    // repeatable, each value an array entry
  Header   // 'Name: value', repeatable
};

struct FlagSpec {
  const char* flag;
  const char* member; // JSON pointer into the settings document
  Kind kind;
  bool bench; // `conformance bench` takes it too
  const char* help;
  const char* env = nullptr; // read from this variable when the flag is absent
};

// Every settings flag, once. The run takes them all; the bench those marked.
const std::vector<FlagSpec>& flag_specs() {
  static const std::vector<FlagSpec> specs = {
      {"--base-url", "/base_url", Kind::Text, true,
       "Base URL (issuer) of the authorization server under test; with --mcp-url it is found "
       "from the protected resource metadata. Without either, the bundled reference server"},
      {"--mcp-url", "/mcp_url", Kind::Text, true,
       "MCP server endpoint: start from it (401, protected resource metadata, authorization "
       "server) and judge it as a protected resource"},
      {"--profile", "/profile", Kind::Text, true,
       "Spec profile deciding version-dependent levels: oauth2.1, mcp-2025-03-26, "
       "mcp-2025-06-18, mcp-2025-11-25 or mcp-2026-07-28 (default)"},
      {"--scope", "/scope", Kind::Text, true,
       "Scope that ordinary authorization requests ask for (for servers without a default "
       "scope)"},
      {"--strict", "/strict", Kind::Switch, false, "Treat SHOULD violations (warn) as failures"},
      {"--timeout", "/timeout_seconds", Kind::Seconds, true,
       "Per-request timeout in seconds (default 10)"},
      {"--max-body", "/max_body_bytes", Kind::Integer, true,
       "Cap on each response, header lines and body together, in bytes (default 1048576; the "
       "headers alone are capped at 65536)"},
      {"--code-lifetime", "/code_lifetime_seconds", Kind::Integer, false,
       "The server's authorization code lifetime in seconds; enables the expiry check (CODE-04)"},
      {"--driver", "/driver/kind", Kind::Text, true,
       "How to get through the authorization endpoint: redirect (auto-consent, the default), "
       "form (sign in and consent by submitting the pages' forms), browser (the same in "
       "headless Chromium, for pages built by JavaScript), command (your program, named in the "
       "--config file's driver.command) or manual (you, in a browser); the bench takes "
       "redirect or form"},
      {"--form-field", "/driver/form/fields", Kind::Pairs, true,
       "NAME=VALUE for the form and browser drivers (repeatable), e.g. --form-field "
       "username=alice; the form driver matches input names, the browser driver also ids, "
       "autocomplete, type (password, email) and label text"},
      {"--browser-executable", "/driver/browser/executable", Kind::Text, true,
       "Chromium for the browser driver (default: chromium, chromium-browser or google-chrome "
       "on PATH)"},
      {"--omit-resource", "/resources/omit_in_flows", Kind::Switch, true,
       "Leave the resource parameter out of ordinary flows (for servers that refuse it; RES-01 "
       "still tries it)"},
      {"--second-resource", "/resources/second", Kind::Text, false,
       "Another resource the authorization server mints tokens for (audience tests)"},
      {"--tool-scope", "/operations/tool_scopes", Kind::Pairs, false,
       "TOOL=SCOPE: an MCP tool that needs SCOPE beyond the usual grant (repeatable; enables "
       "PRS-17)"},
      {"--scope-implies", "/operations/scope_implies", Kind::Pairs, false,
       "BROAD=NARROW: a scope that includes another (repeatable; enables PRS-19)"},
      {"--introspection-url", "/introspection/url", Kind::Text, false,
       "Introspection endpoint, when the metadata does not advertise one"},
      {"--revocation-url", "/revocation/url", Kind::Text, false,
       "Revocation endpoint, when the metadata does not advertise one"},
      {"--introspection-client-id", "/introspection/client_id", Kind::Text, false,
       "Client that may call the introspection endpoint (HTTP Basic)"},
      {"--introspection-client-secret", "/introspection/client_secret", Kind::Text, false,
       "Its secret (or set CONFORMANCE_INTROSPECTION_CLIENT_SECRET)",
       "CONFORMANCE_INTROSPECTION_CLIENT_SECRET"},
      {"--introspection-token", "/introspection/bearer", Kind::Text, false,
       "Bearer token for the introspection endpoint (or set CONFORMANCE_INTROSPECTION_TOKEN)",
       "CONFORMANCE_INTROSPECTION_TOKEN"},
      {"--initial-access-token", "/clients/initial_access_token", Kind::Text, true,
       "Initial access token for a protected registration endpoint (RFC 7591 §3; or set "
       "CONFORMANCE_INITIAL_ACCESS_TOKEN)",
       "CONFORMANCE_INITIAL_ACCESS_TOKEN"},
      {"--cacert", "/tls/ca_file", Kind::Text, true,
       "PEM bundle of CA certificates to trust beside the system's (private or staging CAs)"},
      {"--insecure", "/tls/insecure", Kind::Switch, true,
       "Do not verify TLS certificates (every report says so)"},
      {"--client-cert", "/tls/client_cert", Kind::Text, true,
       "Client certificate (PEM) for servers that ask for one at the edge"},
      {"--client-key", "/tls/client_key", Kind::Text, true, "Its private key (PEM)"},
      {"--resolve", "/resolve", Kind::List, true,
       "HOST:PORT:ADDRESS: reach HOST:PORT at ADDRESS, as curl --resolve (repeatable)"},
      {"--allow-host", "/allow_hosts", Kind::List, true,
       "HOST the harness may follow a server to although it is on a loopback, private or "
       "link-local address (repeatable; the servers named by --base-url and --mcp-url always)"},
      {"--header", "/headers", Kind::Header, true,
       "'Name: value' sent on every request to the servers under test, never elsewhere "
       "(repeatable; hidden in every report)"},
      {"--max-wait", "/rate_limits/max_wait_seconds", Kind::Integer, false,
       "Longest Retry-After a rate-limited request is waited out for, once (default 30)"},
      {"--pace", "/rate_limits/pace_ms", Kind::Integer, false,
       "At least this many milliseconds between two requests to one server"},
      {"--cimd-listen", "/cimd/listen", Kind::Text, false,
       "HOST:PORT where the harness serves client ID metadata documents for the CIMD checks "
       "(port 0: a free one); without --cimd-base-url they are named http://127.0.0.1:PORT, "
       "for a server on this machine that allows that for testing"},
      {"--cimd-base-url", "/cimd/base_url", Kind::Text, false,
       "Public https URL that leads to --cimd-listen (a reverse proxy or tunnel forwarding the "
       "path unchanged): the client_id URLs the server under test is given"},
      {"--server-port", "/bundled_server/port", Kind::Integer, true,
       "Port of the bundled reference server (without a URL; default: a free one)"},
      {"--server-threads", "/bundled_server/threads", Kind::Integer, true,
       "Worker threads of the bundled reference server (without a URL; default 8)"},
  };
  return specs;
}

// NAME=VALUE, or a SettingsError naming the flag.
std::pair<std::string, std::string> split_pair(const std::string& flag, const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw SettingsError(flag + " needs NAME=VALUE, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

} // namespace

SettingsFlags::SettingsFlags(CLI::App& app, Program program) : app_(app), program_(program) {
  app.add_option("--config", config_path_,
                 "JSON configuration file (clients, driver, operator facts); flags override it");
  app.add_flag("--print-settings", print_settings_,
               "Print the settings this run would use (the --config file with the flags over it, "
               "defaults filled in, secrets hidden) as JSON, and exit");
  for (const FlagSpec& spec : flag_specs()) {
    if (program == Program::Bench && !spec.bench) continue;
    Value& v = values_[spec.flag];
    CLI::Option* option = nullptr;
    switch (spec.kind) {
    case Kind::Text:
      option = app.add_option(spec.flag, v.text, spec.help);
      break;
    case Kind::Seconds:
      option = app.add_option(spec.flag, v.number, spec.help)->check(CLI::PositiveNumber);
      break;
    case Kind::Integer:
      option = app.add_option(spec.flag, v.integer, spec.help)->check(CLI::NonNegativeNumber);
      break;
    case Kind::Switch:
      option = app.add_flag(spec.flag, v.on, spec.help);
      break;
    case Kind::Pairs:
    case Kind::List:
    case Kind::Header:
      option = app.add_option(spec.flag, v.pairs, spec.help);
      break;
    }
    if (spec.env) option->envname(spec.env);
  }
}

json SettingsFlags::command_line_document() const {
  json doc = json::object();
  for (const FlagSpec& spec : flag_specs()) {
    auto it = values_.find(spec.flag);
    if (it == values_.end() || app_.count(spec.flag) == 0) continue;
    const Value& v = it->second;
    json::json_pointer member(spec.member);
    switch (spec.kind) {
    case Kind::Text:
      doc[member] = v.text;
      break;
    case Kind::Seconds:
      doc[member] = v.number;
      break;
    case Kind::Integer:
      doc[member] = v.integer;
      break;
    case Kind::Switch:
      doc[member] = v.on;
      break;
    case Kind::List:
      doc[member] = v.pairs;
      break;
    case Kind::Header:
      for (const std::string& text : v.pairs) {
        size_t colon = text.find(':');
        if (colon == std::string::npos || colon == 0)
          throw SettingsError(std::string(spec.flag) + " needs 'Name: value', got '" + text + "'");
        doc[member][std::string(oauth::trim(text.substr(0, colon)))] =
            std::string(oauth::trim(text.substr(colon + 1)));
      }
      break;
    case Kind::Pairs:
      for (const std::string& text : v.pairs) {
        auto [name, value] = split_pair(spec.flag, text);
        json& slot = doc[member][name];
        // A repeated NAME keeps every value (BROAD=NARROW may name several NARROWs).
        if (slot.is_null())
          slot = value;
        else if (slot.is_string())
          slot = json::array({slot, value});
        else
          slot.push_back(value);
      }
      break;
    }
  }
  return doc;
}

json SettingsFlags::merged_document() const {
  json doc = json::object();
  if (!config_path_.empty()) {
    doc = load_config_file(config_path_);
    try {
      // The file alone first, so that its mistakes name the file.
      settings_from_document(doc, Completeness::MembersOnly);
    } catch (const SettingsError& e) {
      throw SettingsError(config_path_ + ": " + e.what());
    }
  }
  doc.merge_patch(command_line_document());
  return doc;
}

Settings SettingsFlags::resolve() const {
  Settings settings = settings_from_document(merged_document());
  remember_secrets(settings);
  return settings;
}

void print_settings(const Settings& settings) {
  std::cout << settings_document(settings).dump(2) << std::endl;
}

} // namespace conformance
