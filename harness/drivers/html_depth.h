// The depth bound that keeps gumbo linear and alive on hostile pages. gumbo's tree builder
// scans its stack of open elements for most tags, so a page nested N deep costs O(N^2), and
// some foreign-content-in-table shapes reach assertions that abort gumbo 0.10.1. One scan
// over the raw page models gumbo's stack closely enough to bound its depth from above, and
// says where a page must be cut before gumbo sees it. Pure: no gumbo tree is built.
#pragma once

#include <cstddef>
#include <string_view>

namespace conformance {

// An upper bound, from one linear scan, on how deep gumbo's tree for `html` gets (the
// <html> element at 1, text and void elements included): never below the real depth.
size_t html_depth_bound(std::string_view html);

// How much of `html` gumbo may parse for its tree to stay within `max_depth`: the whole
// length, or the offset of the first tag that could take it deeper.
size_t html_prefix_within_depth(std::string_view html, size_t max_depth);

// What html.cpp hands gumbo: the prefix within `max_depth` that also stops before a tag with
// more than `max_attributes` attributes (gumbo compares each with every one before it) and
// before foreign content that would reach one of gumbo's failing assertions.
size_t gumbo_safe_length(std::string_view html, size_t max_depth, size_t max_attributes);

} // namespace conformance
