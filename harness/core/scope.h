// Scope strings (RFC 6749 §3.3): space-delimited values. Shared by the harness and the reference
// server: pure, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oauth {

// The values of `scope` in first-seen order; runs of spaces are tolerated, repeats collapse.
std::vector<std::string> split_scope(std::string_view scope);
// The values joined with single spaces.
std::string join_scope(const std::vector<std::string>& values);

} // namespace oauth
