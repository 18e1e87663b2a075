#include "config.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace conformance {
namespace {

using nlohmann::json;

// Rejects members not in `allowed`, naming where they are.
void only(const json& object, const std::string& where, std::set<std::string> allowed) {
  if (!object.is_object()) throw ConfigError(where + " must be a JSON object");
  for (const auto& [name, value] : object.items())
    if (!allowed.count(name)) throw ConfigError("unknown member \"" + name + "\" in " + where);
}

std::string text(const json& value, const std::string& where) {
  if (!value.is_string()) throw ConfigError(where + " must be a string");
  return expand_environment(value.get<std::string>());
}

std::optional<std::string> optional_text(const json& object, const char* name,
                                         const std::string& where) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return text(*it, where + "." + name);
}

std::vector<std::pair<std::string, std::string>> pairs(const json& object,
                                                       const std::string& where) {
  if (!object.is_object()) throw ConfigError(where + " must be an object of strings");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : object.items())
    out.emplace_back(name, text(value, where + "." + name));
  return out;
}

ClientAuth auth_method(const std::string& name, const std::string& where) {
  if (name == "none") return ClientAuth::None;
  if (name == "client_secret_basic") return ClientAuth::SecretBasic;
  if (name == "client_secret_post") return ClientAuth::SecretPost;
  throw ConfigError(where + " must be none, client_secret_basic or client_secret_post");
}

StaticClient static_client(const json& c, const std::string& where) {
  only(c, where, {"client_id", "client_secret", "auth_method", "redirect_uri"});
  StaticClient out;
  auto id = optional_text(c, "client_id", where);
  if (!id || id->empty()) throw ConfigError(where + ".client_id is required");
  out.client_id = *id;
  out.client_secret = optional_text(c, "client_secret", where).value_or("");
  std::string method = optional_text(c, "auth_method", where)
                           .value_or(out.client_secret.empty() ? "none" : "client_secret_basic");
  out.auth = auth_method(method, where + ".auth_method");
  if (out.auth != ClientAuth::None && out.client_secret.empty())
    throw ConfigError(where + " uses " + method + " but has no client_secret");
  out.redirect_uri = optional_text(c, "redirect_uri", where);
  return out;
}

} // namespace

std::string expand_environment(const std::string& value) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = value.find("${env:", pos);
    if (start == std::string::npos) break;
    size_t end = value.find('}', start);
    if (end == std::string::npos) throw ConfigError("unterminated ${env:...} in \"" + value + "\"");
    std::string name = value.substr(start + 6, end - start - 6);
    const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!v)
      throw ConfigError("environment variable " + name + " is not set (used as ${env:" + name +
                        "})");
    out += value.substr(pos, start - pos) + v;
    pos = end + 1;
  }
  return out + value.substr(pos);
}

ConfigFile parse_config(const std::string& content) {
  json doc = json::parse(content, nullptr, false);
  if (doc.is_discarded()) throw ConfigError("not valid JSON");
  only(doc, "the configuration",
       {"base_url", "mcp_url", "profile", "scope", "strict", "timeout_seconds",
        "code_lifetime_seconds", "clients", "driver", "introspection", "revocation", "resources",
        "operations"});
  ConfigFile c;
  c.base_url = optional_text(doc, "base_url", "config");
  c.mcp_url = optional_text(doc, "mcp_url", "config");
  c.profile = optional_text(doc, "profile", "config");
  c.scope = optional_text(doc, "scope", "config");
  if (doc.contains("strict")) {
    if (!doc["strict"].is_boolean()) throw ConfigError("strict must be true or false");
    c.strict = doc["strict"].get<bool>();
  }
  if (doc.contains("timeout_seconds")) {
    if (!doc["timeout_seconds"].is_number() || doc["timeout_seconds"].get<double>() <= 0)
      throw ConfigError("timeout_seconds must be a positive number");
    c.timeout_seconds = doc["timeout_seconds"].get<double>();
  }
  if (doc.contains("code_lifetime_seconds")) {
    if (!doc["code_lifetime_seconds"].is_number_integer() ||
        doc["code_lifetime_seconds"].get<int>() <= 0)
      throw ConfigError("code_lifetime_seconds must be a positive integer");
    c.code_lifetime_seconds = doc["code_lifetime_seconds"].get<int>();
  }

  if (auto it = doc.find("clients"); it != doc.end()) {
    only(*it, "clients", {"registration", "public", "confidential", "second"});
    c.registration = optional_text(*it, "registration", "clients");
    if (c.registration && *c.registration != "dynamic" && *c.registration != "static")
      throw ConfigError("clients.registration must be \"dynamic\" or \"static\"");
    for (const char* role : {"public", "confidential", "second"})
      if (it->contains(role))
        c.clients[role] = static_client((*it)[role], std::string("clients.") + role);
    if (c.clients.count("confidential") && c.clients["confidential"].auth == ClientAuth::None)
      throw ConfigError("clients.confidential needs a client_secret");
    for (const char* role : {"public", "second"})
      if (c.clients.count(role) && c.clients[role].auth != ClientAuth::None)
        throw ConfigError(std::string("clients.") + role + " must be a public client (no secret)");
  }

  if (auto it = doc.find("driver"); it != doc.end()) {
    only(*it, "driver", {"kind", "form", "command", "timeout_seconds"});
    c.driver = optional_text(*it, "kind", "driver");
    if (c.driver && *c.driver != "redirect" && *c.driver != "form" && *c.driver != "command" &&
        *c.driver != "manual")
      throw ConfigError("driver.kind must be redirect, form, command or manual");
    if (auto form = it->find("form"); form != it->end()) {
      only(*form, "driver.form", {"fields"});
      if (form->contains("fields"))
        for (auto& [name, value] : pairs((*form)["fields"], "driver.form.fields"))
          c.form_fields[name] = value;
    }
    if (auto cmd = it->find("command"); cmd != it->end()) {
      if (!cmd->is_array() || cmd->empty())
        throw ConfigError("driver.command must be a non-empty array: [program, args...]");
      for (const auto& arg : *cmd)
        c.command.push_back(text(arg, "driver.command[]"));
    }
    if (it->contains("timeout_seconds")) {
      const auto& t = (*it)["timeout_seconds"];
      if (!t.is_number_integer() || t.get<int>() <= 0)
        throw ConfigError("driver.timeout_seconds must be a positive integer");
      c.command_timeout_seconds = t.get<int>();
    }
    if (c.driver == "command" && c.command.empty())
      throw ConfigError("driver.kind \"command\" needs driver.command");
  }

  if (auto it = doc.find("introspection"); it != doc.end()) {
    only(*it, "introspection", {"url", "client_id", "client_secret", "bearer"});
    c.introspection_url = optional_text(*it, "url", "introspection");
    c.introspection_client_id = optional_text(*it, "client_id", "introspection");
    c.introspection_client_secret = optional_text(*it, "client_secret", "introspection");
    c.introspection_bearer = optional_text(*it, "bearer", "introspection");
    if (c.introspection_client_secret && !c.introspection_client_id)
      throw ConfigError("introspection.client_secret needs introspection.client_id");
  }
  if (auto it = doc.find("revocation"); it != doc.end()) {
    only(*it, "revocation", {"url"});
    c.revocation_url = optional_text(*it, "url", "revocation");
  }
  if (auto it = doc.find("resources"); it != doc.end()) {
    only(*it, "resources", {"second", "omit_in_flows"});
    c.second_resource = optional_text(*it, "second", "resources");
    if (it->contains("omit_in_flows")) {
      if (!(*it)["omit_in_flows"].is_boolean())
        throw ConfigError("resources.omit_in_flows must be true or false");
      c.omit_resource = (*it)["omit_in_flows"].get<bool>();
    }
  }
  if (auto it = doc.find("operations"); it != doc.end()) {
    only(*it, "operations", {"tool_scopes", "scope_implies"});
    if (it->contains("tool_scopes"))
      c.tool_scopes = pairs((*it)["tool_scopes"], "operations.tool_scopes");
    if (it->contains("scope_implies"))
      c.scope_implies = pairs((*it)["scope_implies"], "operations.scope_implies");
  }
  return c;
}

ConfigFile load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  try {
    return parse_config(content.str());
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

} // namespace conformance
