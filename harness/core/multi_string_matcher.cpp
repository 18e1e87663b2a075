#include "core/multi_string_matcher.h"

#include <algorithm>
#include <deque>

namespace oauth {

int MultiStringMatcher::child(int node, unsigned char byte) const {
  if (node == 0) return root_next_[byte];
  const auto& next = nodes_[node].next;
  auto it = std::lower_bound(next.begin(), next.end(), byte,
                             [](const auto& edge, unsigned char b) { return edge.first < b; });
  return it != next.end() && it->first == byte ? it->second : -1;
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

MultiStringMatcher::MultiStringMatcher(const std::vector<std::string>& patterns) {
  std::fill(std::begin(root_next_), std::end(root_next_), -1);
  nodes_.emplace_back();
  // The trie.
  for (const std::string& pattern : patterns) {
    if (pattern.empty()) continue;
    int node = 0;
    for (unsigned char byte : pattern) {
      int next = child(node, byte);
      if (next < 0) {
        next = static_cast<int>(nodes_.size());
        nodes_.emplace_back();
        if (node == 0) {
          root_next_[byte] = next;
        } else {
          auto& edges = nodes_[node].next;
          auto it = std::lower_bound(
              edges.begin(), edges.end(), byte,
              [](const auto& edge, unsigned char b) { return edge.first < b; });
          edges.insert(it, {byte, next});
        }
      }
      node = next;
    }
    nodes_[node].longest = std::max(nodes_[node].longest, pattern.size());
  }
  // Fail links, breadth first so a node's fail target is finished before the node.
  std::deque<int> queue;
  for (int next : root_next_)
    if (next >= 0) queue.push_back(next); // depth 1 fails to the root
  while (!queue.empty()) {
    int node = queue.front();
    queue.pop_front();
    nodes_[node].longest = std::max(nodes_[node].longest, nodes_[nodes_[node].fail].longest);
    for (const auto& [byte, next] : nodes_[node].next) {
      nodes_[next].fail = step(nodes_[node].fail, byte);
      queue.push_back(next);
    }
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
