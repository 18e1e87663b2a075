#include "settings.h"

#include "core/text.h"
#include "core/url.h"
#include "drivers/chromium_process.h"
#include "drivers/manual_driver.h"
#include "http/redaction.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

namespace conformance {
namespace {

using nlohmann::json;

// The flag that sets a document member, so a message names what the user typed.
const std::map<std::string, std::string, std::less<>>& flag_of_member() {
  static const std::map<std::string, std::string, std::less<>> flags = {
      {"base_url", "--base-url"},
      {"mcp_url", "--mcp-url"},
      {"profile", "--profile"},
      {"scope", "--scope"},
      {"strict", "--strict"},
      {"timeout_seconds", "--timeout"},
      {"max_body_bytes", "--max-body"},
      {"code_lifetime_seconds", "--code-lifetime"},
      {"driver.kind", "--driver"},
      {"driver.form.fields", "--form-field"},
      {"driver.browser.executable", "--browser-executable"},
      {"introspection.url", "--introspection-url"},
      {"introspection.client_id", "--introspection-client-id"},
      {"introspection.client_secret", "--introspection-client-secret"},
      {"introspection.bearer", "--introspection-token"},
      {"revocation.url", "--revocation-url"},
      {"resources.second", "--second-resource"},
      {"resources.omit_in_flows", "--omit-resource"},
      {"operations.tool_scopes", "--tool-scope"},
      {"operations.scope_implies", "--scope-implies"},
      {"clients.initial_access_token", "--initial-access-token"},
      {"tls.ca_file", "--cacert"},
      {"tls.insecure", "--insecure"},
      {"tls.client_cert", "--client-cert"},
      {"tls.client_key", "--client-key"},
      {"resolve", "--resolve"},
      {"headers", "--header"},
      {"allow_hosts", "--allow-host"},
      {"rate_limits.max_wait_seconds", "--max-wait"},
      {"rate_limits.pace_ms", "--pace"},
      {"bundled_server.port", "--server-port"},
      {"bundled_server.threads", "--server-threads"},
      {"cimd.listen", "--cimd-listen"},
      {"cimd.base_url", "--cimd-base-url"}};
  return flags;
}

std::string named(const std::string& where) {
  auto it = flag_of_member().find(where);
  return it == flag_of_member().end() ? where : where + " (" + it->second + ")";
}

// One JSON object of the document, read member by member; every error names the member's place.
class Section {
public:
  Section(const json& object, std::string where, std::set<std::string> allowed)
      : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) throw SettingsError(label() + " must be a JSON object");
    for (const auto& [name, value] : object_.items())
      if (!allowed.count(name))
        throw SettingsError("unknown member \"" + name + "\" in " + label());
  }

  bool has(const char* name) const {
    auto it = object_.find(name);
    return it != object_.end() && !it->is_null();
  }
  std::optional<Section> section(const char* name, std::set<std::string> allowed) const {
    if (!has(name)) return std::nullopt;
    return Section(object_.at(name), place(name), std::move(allowed));
  }
  std::optional<std::string> text(const char* name) const {
    if (!has(name)) return std::nullopt;
    const json& v = object_.at(name);
    if (!v.is_string()) throw SettingsError(named(place(name)) + " must be a string");
    return v.get<std::string>();
  }
  std::optional<bool> flag(const char* name) const {
    if (!has(name)) return std::nullopt;
    const json& v = object_.at(name);
    if (!v.is_boolean()) throw SettingsError(named(place(name)) + " must be true or false");
    return v.get<bool>();
  }
  std::optional<double> positive_number(const char* name) const {
    if (!has(name)) return std::nullopt;
    const json& v = object_.at(name);
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
      throw SettingsError(named(place(name)) + " must be a positive number");
    return v.get<double>();
  }
  std::optional<long long> integer(const char* name, long long min, long long max) const {
    if (!has(name)) return std::nullopt;
    const json& v = object_.at(name);
    if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max)
      throw SettingsError(named(place(name)) + " must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max));
    return v.get<long long>();
  }
  // An object of NAME: VALUE strings; with `lists`, a VALUE may also be an array of strings
  // (one NAME with several values, as a repeated flag gives).
  std::vector<std::pair<std::string, std::string>> pairs(const char* name,
                                                         bool lists = false) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!has(name)) return out;
    const json& v = object_.at(name);
    std::string where = named(place(name));
    if (!v.is_object()) throw SettingsError(where + " must be an object of strings");
    for (const auto& [key, value] : v.items()) {
      if (value.is_string()) {
        out.emplace_back(key, value.get<std::string>());
        continue;
      }
      if (!lists || !value.is_array()) throw SettingsError(where + "." + key + " must be a string");
      for (const auto& item : value) {
        if (!item.is_string()) throw SettingsError(where + "." + key + " must hold strings");
        out.emplace_back(key, item.get<std::string>());
      }
    }
    return out;
  }
  const json& raw(const char* name) const { return object_.at(name); }
  std::string place(const char* name) const { return where_.empty() ? name : where_ + "." + name; }

private:
  std::string label() const { return where_.empty() ? "the configuration" : where_; }
  const json& object_;
  std::string where_;
};

ClientAuth auth_method(const std::string& name, const std::string& where) {
  for (ClientAuth auth : {ClientAuth::None, ClientAuth::SecretBasic, ClientAuth::SecretPost})
    if (client_auth_name(auth) == name) return auth;
  throw SettingsError(where + " must be none, client_secret_basic or client_secret_post");
}

TestClient static_client(const Section& clients, const char* role,
                         const std::string& default_redirect_uri) {
  Section c = *clients.section(
      role, {"client_id", "client_secret", "auth_method", "redirect_uri", "redirect_uris"});
  std::string where = clients.place(role);
  TestClient out;
  out.client_id = c.text("client_id").value_or("");
  if (out.client_id.empty()) throw SettingsError(where + ".client_id is required");
  out.client_secret = c.text("client_secret").value_or("");
  std::string method =
      c.text("auth_method").value_or(out.client_secret.empty() ? "none" : "client_secret_basic");
  out.auth = auth_method(method, where + ".auth_method");
  if (out.auth != ClientAuth::None && out.client_secret.empty())
    throw SettingsError(where + " uses " + method + " but has no client_secret");
  out.redirect_uri = c.text("redirect_uri").value_or("");
  if (c.has("redirect_uris")) {
    const json& uris = c.raw("redirect_uris");
    if (!uris.is_array() || uris.empty())
      throw SettingsError(where + ".redirect_uris must be a non-empty array of strings");
    for (const auto& uri : uris) {
      if (!uri.is_string()) throw SettingsError(where + ".redirect_uris must hold strings");
      out.redirect_uris.push_back(uri.get<std::string>());
    }
  }
  if (out.redirect_uri.empty())
    out.redirect_uri = out.redirect_uris.empty() ? default_redirect_uri : out.redirect_uris.front();
  if (std::find(out.redirect_uris.begin(), out.redirect_uris.end(), out.redirect_uri) ==
      out.redirect_uris.end())
    out.redirect_uris.insert(out.redirect_uris.begin(), out.redirect_uri);
  return out;
}

DriverSettings driver_settings(const Section& doc, Completeness completeness) {
  DriverSettings driver;
  auto section =
      doc.section("driver", {"kind", "form", "browser", "command", "timeout_seconds"});
  if (!section) return driver;
  if (auto kind = section->text("kind")) {
    auto parsed = parse_driver_kind(*kind);
    if (!parsed)
      throw SettingsError(named("driver.kind") + " must be " + std::string(kDriverKindNames) +
                          ", got '" + *kind + "'");
    driver.kind = *parsed;
  }
  if (auto form = section->section("form", {"fields"}))
    for (auto& [name, value] : form->pairs("fields"))
      driver.form_fields[name] = value;
  if (auto browser = section->section("browser", {"executable", "headless"})) {
    if (auto executable = browser->text("executable")) driver.browser_executable = *executable;
    if (auto headless = browser->flag("headless")) driver.browser_headless = *headless;
  }
  if (section->has("command")) {
    const json& cmd = section->raw("command");
    if (!cmd.is_array() || cmd.empty())
      throw SettingsError("driver.command must be a non-empty array: [program, args...]");
    for (const auto& arg : cmd) {
      if (!arg.is_string()) throw SettingsError("driver.command must hold strings");
      driver.command.push_back(arg.get<std::string>());
    }
  }
  if (auto t = section->integer("timeout_seconds", 1, 86'400))
    driver.timeout = std::chrono::seconds(*t);
  if (completeness == Completeness::MembersOnly) return driver;
  if (driver.kind == DriverKind::Command && driver.command.empty())
    throw SettingsError("driver.kind command (--driver command) needs driver.command in the "
                        "--config file: [program, args...]");
  if ((driver.kind == DriverKind::Form || driver.kind == DriverKind::Browser) &&
      driver.form_fields.empty())
    throw SettingsError("driver.kind " + std::string(driver_kind_name(driver.kind)) +
                        " (--driver " + std::string(driver_kind_name(driver.kind)) +
                        ") needs at least one login field: --form-field NAME=VALUE, or "
                        "driver.form.fields in the --config file");
  if (driver.kind == DriverKind::Browser && !find_chromium(driver.browser_executable))
    throw SettingsError(
        driver.browser_executable.empty()
            ? "driver.kind browser (--driver browser) needs Chromium, and none is on PATH "
              "(chromium, chromium-browser, google-chrome): on Debian, apt-get install chromium; "
              "or name it with --browser-executable PATH (driver.browser.executable)"
            : "driver.browser.executable (--browser-executable): '" + driver.browser_executable +
                  "' is not an executable file");
  return driver;
}

// The operator's clients. A confidential client serves the role of its authentication method.
void read_clients(const Section& doc, RunOptions& run) {
  auto clients = doc.section(
      "clients", {"registration", "public", "confidential", "second", "initial_access_token"});
  if (!clients) return;
  if (auto token = clients->text("initial_access_token"); token && !token->empty())
    run.initial_access_token = token;
  if (auto registration = clients->text("registration")) {
    if (*registration == "static")
      run.registration = RegistrationMode::Static;
    else if (*registration != "dynamic")
      throw SettingsError("clients.registration must be \"dynamic\" or \"static\"");
  }
  for (auto [name, role] :
       {std::pair{"public", ClientRole::Public}, std::pair{"second", ClientRole::Second}})
    if (clients->has(name)) {
      TestClient c = static_client(*clients, name, run.redirect_uri);
      if (c.auth != ClientAuth::None)
        throw SettingsError(std::string("clients.") + name +
                            " must be a public client (no secret)");
      run.static_clients[role] = c;
    }
  if (clients->has("confidential")) {
    TestClient c = static_client(*clients, "confidential", run.redirect_uri);
    if (c.auth == ClientAuth::None)
      throw SettingsError("clients.confidential needs a client_secret");
    run.static_clients[c.auth == ClientAuth::SecretBasic ? ClientRole::Basic : ClientRole::Post] =
        c;
  }
}

void read_operator_facts(const Section& doc, RunOptions& run, Completeness completeness) {
  OperatorFacts& facts = run.facts;
  if (auto s = doc.section("introspection", {"url", "client_id", "client_secret", "bearer"})) {
    facts.introspection_endpoint = s->text("url");
    facts.introspection_client_id = s->text("client_id");
    facts.introspection_client_secret = s->text("client_secret");
    facts.introspection_token = s->text("bearer");
    if (completeness == Completeness::Whole && facts.introspection_client_secret &&
        !facts.introspection_client_id)
      throw SettingsError(named("introspection.client_secret") + " needs " +
                          named("introspection.client_id"));
  }
  if (auto s = doc.section("revocation", {"url"})) facts.revocation_endpoint = s->text("url");
  if (auto s = doc.section("resources", {"second", "omit_in_flows"})) {
    facts.second_resource = s->text("second");
    run.omit_resource = s->flag("omit_in_flows").value_or(false);
  }
  if (auto s = doc.section("operations", {"tool_scopes", "scope_implies"})) {
    for (auto& [tool, scope] : s->pairs("tool_scopes"))
      facts.tool_scopes[tool] = scope;
    facts.scope_implies = s->pairs("scope_implies", true);
  }
}

// Headers the harness itself must control: an operator's value would change what is tested.
bool controlled_header(std::string_view name) {
  static const std::set<std::string, std::less<>> names = {
      "authorization", "content-type", "content-length", "cookie",     "host",
      "dpop",          "mcp-protocol-version",           "mcp-session-id", "transfer-encoding",
      "connection",    "expect",        "accept",         "origin",     "user-agent"};
  return names.count(oauth::ascii_lower(name)) > 0;
}

bool is_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

void require_readable(const std::string& path, const std::string& where) {
  if (path.empty()) return;
  if (!std::ifstream(path)) throw SettingsError(named(where) + ": cannot read " + path);
}

// TLS, name resolution, extra headers and rate limits: how the harness reaches the servers.
void read_transport(const Section& doc, Settings& settings, Completeness completeness) {
  HttpOptions& http = settings.run.http;
  if (auto tls = doc.section("tls", {"ca_file", "insecure", "client_cert", "client_key"})) {
    http.tls.ca_file = tls->text("ca_file").value_or("");
    http.tls.insecure = tls->flag("insecure").value_or(false);
    http.tls.client_cert = tls->text("client_cert").value_or("");
    http.tls.client_key = tls->text("client_key").value_or("");
    if (completeness == Completeness::Whole) {
      require_readable(http.tls.ca_file, "tls.ca_file");
      require_readable(http.tls.client_cert, "tls.client_cert");
      require_readable(http.tls.client_key, "tls.client_key");
      if (http.tls.client_cert.empty() != http.tls.client_key.empty())
        throw SettingsError(named("tls.client_cert") + " and " + named("tls.client_key") +
                            " go together");
    }
  }
  if (doc.has("resolve")) {
    const json& entries = doc.raw("resolve");
    if (!entries.is_array()) throw SettingsError(named("resolve") + " must be an array");
    for (const auto& entry : entries) {
      std::string text = entry.is_string() ? entry.get<std::string>() : "";
      size_t first = text.find(':'), last = text.rfind(':');
      if (first == std::string::npos || first == last || first == 0 || last + 1 == text.size())
        throw SettingsError(named("resolve") + " entries are HOST:PORT:ADDRESS, got " +
                            entry.dump());
      http.resolve.push_back(text);
    }
  }
  if (doc.has("allow_hosts")) {
    const json& hosts = doc.raw("allow_hosts");
    if (!hosts.is_array()) throw SettingsError(named("allow_hosts") + " must be an array");
    for (const auto& host : hosts) {
      std::string text = host.is_string() ? host.get<std::string>() : "";
      if (text.empty() || text.find_first_of("/:@ ") != std::string::npos)
        if (!(text.size() > 2 && text.front() == '[' && text.back() == ']'))
          throw SettingsError(named("allow_hosts") + " entries are host names or addresses, got " +
                              host.dump());
      http.allowed_hosts.push_back(text);
    }
  }
  if (doc.has("headers")) {
    const json& headers = doc.raw("headers");
    if (!headers.is_object()) throw SettingsError(named("headers") + " must be an object");
    for (const auto& [name, value] : headers.items()) {
      if (!is_header_name(name)) throw SettingsError("headers: \"" + name + "\" is no header name");
      if (controlled_header(name))
        throw SettingsError("headers: " + name +
                            " is a header the harness itself sets for what it tests; it cannot be "
                            "replaced");
      if (!value.is_string()) throw SettingsError("headers." + name + " must be a string");
      std::string raw = value.get<std::string>();
      std::string expanded = expand_environment(raw);
      if (expanded.find_first_of("\r\n") != std::string::npos)
        throw SettingsError("headers." + name + " must be one line");
      if (raw.find("${env:") != std::string::npos) settings.environment_secrets.push_back(expanded);
      http.extra_headers.emplace_back(name, expanded);
    }
  }
  if (auto limits = doc.section("rate_limits", {"max_wait_seconds", "pace_ms"})) {
    if (auto wait = limits->integer("max_wait_seconds", 0, 3600))
      http.max_wait = std::chrono::seconds(*wait);
    if (auto pace = limits->integer("pace_ms", 0, 60'000))
      http.pace = std::chrono::milliseconds(*pace);
  }
}

std::optional<std::string> non_empty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

// HOST:PORT (an IPv6 host in brackets), or a SettingsError naming `where`.
std::pair<std::string, int> host_and_port(const std::string& where, const std::string& text) {
  size_t colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (host.empty() || !digits || std::stoi(port) > 65'535)
    throw SettingsError(where + " is HOST:PORT (port 0 for a free one), got '" + text + "'");
  return {host, std::stoi(port)};
}

void read_cimd(const Section& doc, CimdSettings& cimd, Completeness completeness) {
  auto s = doc.section("cimd", {"listen", "base_url"});
  if (!s) return;
  if (auto listen = non_empty(s->text("listen"))) {
    auto [host, port] = host_and_port(named("cimd.listen"), *listen);
    cimd.listen_host = host;
    cimd.listen_port = port;
  }
  if (auto base = non_empty(s->text("base_url"))) {
    auto parts = oauth::parse_url(*base);
    // A client_id URL must be https (CIMD -00 §3): documents anywhere else prove nothing.
    if (!parts || parts->scheme != "https" || parts->host.empty() || parts->has_query ||
        parts->has_fragment)
      throw SettingsError(named("cimd.base_url") +
                          " must be an https URL without query or fragment, got '" + *base + "'");
    cimd.base_url = *base;
  }
  if (cimd.base_url && !cimd.listen_host && completeness == Completeness::Whole)
    throw SettingsError(named("cimd.base_url") +
                        " needs cimd.listen (--cimd-listen HOST:PORT): the listener the URL "
                        "leads to");
}

} // namespace

Settings settings_from_document(const json& doc, Completeness completeness) {
  Section top(doc, "",
              {"base_url", "mcp_url", "profile", "scope", "strict", "timeout_seconds",
               "max_body_bytes", "code_lifetime_seconds", "clients", "driver", "introspection",
               "revocation", "resources", "operations", "bundled_server", "tls", "resolve",
               "headers", "allow_hosts", "rate_limits", "cimd"});
  Settings settings;
  RunOptions& run = settings.run;
  run.base_url = top.text("base_url").value_or("");
  run.mcp_url = non_empty(top.text("mcp_url"));
  if (auto profile = top.text("profile")) {
    auto parsed = parse_profile(*profile);
    if (!parsed)
      throw SettingsError(named("profile") + " must be one of " + profile_names() + ", got '" +
                          *profile + "'");
    run.profile = *parsed;
  }
  run.flow_scope = non_empty(top.text("scope"));
  run.strict = top.flag("strict").value_or(false);
  if (auto t = top.positive_number("timeout_seconds"))
    run.http.timeout = std::chrono::milliseconds(static_cast<long long>(*t * 1000));
  if (auto m = top.integer("max_body_bytes", 1, 1LL << 32))
    run.http.max_body_bytes = static_cast<size_t>(*m);
  if (auto c = top.integer("code_lifetime_seconds", 1, 86'400))
    run.code_lifetime = std::chrono::seconds(*c);

  run.driver = driver_settings(top, completeness);
  if (run.driver.kind == DriverKind::Manual && completeness == Completeness::Whole) {
    // The browser must come back to a port the harness listens on; loopback redirect URIs may
    // carry any port (RFC 8252 §7.3), so the harness's own clients register one that is free.
    int port = free_loopback_port();
    if (port == 0) throw SettingsError("cannot find a free loopback port for the manual driver");
    run.redirect_uri = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  }
  read_clients(top, run);
  read_transport(top, settings, completeness);
  read_operator_facts(top, run, completeness);
  if (auto s = top.section("bundled_server", {"port", "threads"})) {
    settings.bundled.port = static_cast<int>(s->integer("port", 0, 65'535).value_or(0));
    settings.bundled.threads = static_cast<int>(s->integer("threads", 1, 256).value_or(8));
  }
  read_cimd(top, settings.cimd, completeness);
  return settings;
}

json settings_document(const Settings& settings) {
  const RunOptions& run = settings.run;
  auto hidden = [](const std::optional<std::string>& secret) -> json {
    return secret ? json("(redacted)") : json(nullptr);
  };
  auto text = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  json clients = {
      {"registration", run.registration == RegistrationMode::Static ? "static" : "dynamic"},
      {"initial_access_token", hidden(run.initial_access_token)}};
  for (const auto& [role, c] : run.static_clients) {
    json entry = {{"client_id", c.client_id},
                  {"auth_method", client_auth_name(c.auth)},
                  {"redirect_uri", c.redirect_uri},
                  {"redirect_uris", c.redirect_uris}};
    if (!c.client_secret.empty()) entry["client_secret"] = "(redacted)";
    bool confidential = role == ClientRole::Basic || role == ClientRole::Post;
    clients[confidential ? "confidential" : std::string(client_role_name(role))] = entry;
  }
  json scope_implies = json::object();
  for (const auto& [broad, narrow] : run.facts.scope_implies)
    scope_implies[broad].push_back(narrow);
  return {
      {"base_url", run.base_url},
      {"mcp_url", text(run.mcp_url)},
      {"profile", profile_name(run.profile)},
      {"scope", text(run.flow_scope)},
      {"strict", run.strict},
      {"timeout_seconds", static_cast<double>(run.http.timeout.count()) / 1000},
      {"max_body_bytes", run.http.max_body_bytes},
      {"code_lifetime_seconds",
       run.code_lifetime ? json(run.code_lifetime->count()) : json(nullptr)},
      {"clients", clients},
      {"driver",
       {{"kind", driver_kind_name(run.driver.kind)},
        // Values are shown by name only: a password is a login field too.
        {"form",
         {{"fields",
           [&] {
             json fields = json::object();
             for (const auto& [name, value] : run.driver.form_fields)
               fields[name] = "(set)";
             return fields;
           }()}}},
        {"browser",
         {{"executable", run.driver.browser_executable},
          {"headless", run.driver.browser_headless}}},
        {"command", run.driver.command},
        {"timeout_seconds",
         run.driver.timeout ? json(run.driver.timeout->count()) : json(nullptr)}}},
      {"introspection",
       {{"url", text(run.facts.introspection_endpoint)},
        {"client_id", text(run.facts.introspection_client_id)},
        {"client_secret", hidden(run.facts.introspection_client_secret)},
        {"bearer", hidden(run.facts.introspection_token)}}},
      {"revocation", {{"url", text(run.facts.revocation_endpoint)}}},
      {"resources",
       {{"second", text(run.facts.second_resource)}, {"omit_in_flows", run.omit_resource}}},
      {"operations", {{"tool_scopes", run.facts.tool_scopes}, {"scope_implies", scope_implies}}},
      {"bundled_server", {{"port", settings.bundled.port}, {"threads", settings.bundled.threads}}},
      {"tls",
       {{"ca_file", run.http.tls.ca_file},
        {"insecure", run.http.tls.insecure},
        {"client_cert", run.http.tls.client_cert},
        {"client_key", run.http.tls.client_key}}},
      {"resolve", run.http.resolve},
      {"allow_hosts", run.http.allowed_hosts},
      {"headers",
       [&] {
         json headers = json::object();
         for (const auto& [name, value] : run.http.extra_headers)
           headers[name] = "(set)";
         return headers;
       }()},
      {"rate_limits",
       {{"max_wait_seconds", run.http.max_wait.count()}, {"pace_ms", run.http.pace.count()}}},
      {"cimd",
       {{"listen", settings.cimd.listen_host
                       ? json((settings.cimd.listen_host->find(':') != std::string::npos
                                   ? "[" + *settings.cimd.listen_host + "]"
                                   : *settings.cimd.listen_host) +
                              ":" + std::to_string(settings.cimd.listen_port))
                       : json(nullptr)},
        {"base_url", text(settings.cimd.base_url)}}}};
}

void remember_secrets(const Settings& settings) {
  for (const auto& [role, client] : settings.run.static_clients)
    if (!client.client_secret.empty()) redactor().add_secret(client.client_secret);
  const OperatorFacts& facts = settings.run.facts;
  if (facts.introspection_client_secret) redactor().add_secret(*facts.introspection_client_secret);
  if (facts.introspection_token) redactor().add_secret(*facts.introspection_token);
  if (settings.run.initial_access_token) redactor().add_secret(*settings.run.initial_access_token);
  // An operator's header is hidden where it travels; one from the environment everywhere.
  for (const auto& [name, value] : settings.run.http.extra_headers)
    redactor().add_secret_header(name);
  for (const std::string& secret : settings.environment_secrets)
    redactor().add_secret(secret);
}

} // namespace conformance
