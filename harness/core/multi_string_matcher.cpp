#include "core/multi_string_matcher.h"

#include <algorithm>
#include <string_view>

namespace oauth {

int MultiStringMatcher::child(int node, unsigned char byte) const {
  if (node == 0) return root_next_[byte];
  const Node& n = nodes_[node];
  auto first = edge_bytes_.begin() + n.edges_begin, last = edge_bytes_.begin() + n.edges_end;
  auto it = std::lower_bound(first, last, byte);
  return it != last && *it == byte ? edge_targets_[it - edge_bytes_.begin()] : -1;
}

// The automaton's transition: the deepest node whose string is a suffix of what was read.
int MultiStringMatcher::step(int node, unsigned char byte) const {
  while (true) {
    int next = child(node, byte);
    if (next >= 0) return next;
    if (node == 0) return 0;
    node = nodes_[node].fail;
  }
}

MultiStringMatcher::MultiStringMatcher(const std::vector<std::string_view>& patterns) {
  std::fill(std::begin(root_next_), std::end(root_next_), -1);
  // The trie from the sorted patterns, breadth first: a node is the run of patterns that share
  // its prefix, and its children split that run by the next byte, in byte order. Each pattern
  // is looked at once per level, so building is linear in the patterns' total length.
  std::vector<std::string_view> sorted;
  sorted.reserve(patterns.size());
  for (std::string_view pattern : patterns)
    if (!pattern.empty()) sorted.push_back(pattern);
  std::sort(sorted.begin(), sorted.end());
  struct Run {
    size_t lo, hi; // sorted[lo, hi) share the node's prefix
    size_t depth;
  };
  std::vector<Run> runs{{0, sorted.size(), 0}};
  nodes_.emplace_back();
  for (size_t node = 0; node < runs.size(); ++node) {
    auto [lo, hi, depth] = runs[node];
    // Patterns that end here sort first in their run.
    for (; lo < hi && sorted[lo].size() == depth; ++lo)
      nodes_[node].longest = static_cast<uint32_t>(depth);
    nodes_[node].edges_begin = static_cast<uint32_t>(edge_bytes_.size());
    while (lo < hi) {
      const auto byte = static_cast<unsigned char>(sorted[lo][depth]);
      size_t end = lo + 1;
      while (end < hi && static_cast<unsigned char>(sorted[end][depth]) == byte) ++end;
      const int next = static_cast<int>(runs.size());
      runs.push_back({lo, end, depth + 1});
      nodes_.emplace_back();
      edge_bytes_.push_back(byte);
      edge_targets_.push_back(next);
      if (node == 0) root_next_[byte] = next;
      lo = end;
    }
    nodes_[node].edges_end = static_cast<uint32_t>(edge_bytes_.size());
  }
  // Fail links in the same breadth-first order, so a node's fail target (shallower) is
  // finished before the node; the root's children fail to the root.
  for (size_t node = 1; node < nodes_.size(); ++node) {
    Node& n = nodes_[node];
    n.longest = std::max(n.longest, nodes_[n.fail].longest);
    for (uint32_t e = n.edges_begin; e < n.edges_end; ++e)
      nodes_[edge_targets_[e]].fail = step(n.fail, edge_bytes_[e]);
  }
}

std::vector<std::pair<size_t, size_t>> MultiStringMatcher::covered_ranges(
    std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  if (empty()) return out;
  int node = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    node = step(node, static_cast<unsigned char>(text[i]));
    size_t length = nodes_[node].longest;
    if (length == 0) continue;
    // Occurrences arrive by end position, so this one ends last; it may start before (or right
    // after) ranges already found, which it then absorbs.
    size_t begin = i + 1 - length;
    while (!out.empty() && begin <= out.back().second) {
      begin = std::min(begin, out.back().first);
      out.pop_back();
    }
    out.emplace_back(begin, i + 1);
  }
  return out;
}

} // namespace oauth
