#include "config_file.h"

#include "core/bounded_json.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace conformance {
namespace {

using nlohmann::json;

// The file is the operator's own, but it is still input: nesting deeper than any setting needs
// is refused rather than walked.
constexpr int kMaxDepth = 8;

void expand_strings(json& value, int depth) {
  if (depth > kMaxDepth) throw SettingsError("nested deeper than any setting");
  if (value.is_string()) {
    value = expand_environment(value.get<std::string>());
  } else if (value.is_object()) {
    // Header values stay as written: settings.cpp expands them and knows which came from the
    // environment (those are secrets).
    for (auto& [name, member] : value.items())
      if (depth != 0 || name != "headers") expand_strings(member, depth + 1);
  } else if (value.is_array()) {
    for (auto& member : value)
      expand_strings(member, depth + 1);
  }
}

} // namespace

std::string expand_environment(const std::string& value) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = value.find("${env:", pos);
    if (start == std::string::npos) break;
    size_t end = value.find('}', start);
    if (end == std::string::npos)
      throw SettingsError("unterminated ${env:...} in \"" + value + "\"");
    std::string name = value.substr(start + 6, end - start - 6);
    const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!v)
      throw SettingsError("environment variable " + name + " is not set (used as ${env:" + name +
                          "})");
    out += value.substr(pos, start - pos) + v;
    pos = end + 1;
  }
  return out + value.substr(pos);
}

json parse_config_text(const std::string& text) {
  json doc = oauth::parse_bounded_json(text);
  if (doc.is_discarded())
    throw SettingsError(oauth::json_too_deep(text) ? oauth::json_depth_refusal() : "not valid JSON");
  if (!doc.is_object()) throw SettingsError("the configuration must be a JSON object");
  expand_strings(doc, 0);
  return doc;
}

json load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SettingsError("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  try {
    return parse_config_text(content.str());
  } catch (const SettingsError& e) {
    throw SettingsError(path + ": " + e.what());
  }
}

} // namespace conformance
