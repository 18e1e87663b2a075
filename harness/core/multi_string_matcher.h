// Finding many strings at once in one pass (Aho-Corasick): the redactor looks for every secret
// the run has learnt in every text it writes, and a server that hands out thousands of cookies
// must not make each redaction a loop over all of them. Pure, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauth {

class MultiStringMatcher {
public:
  // Empty patterns are ignored. Building takes time and memory linear in their total length.
  explicit MultiStringMatcher(const std::vector<std::string_view>& patterns);
  explicit MultiStringMatcher(const std::vector<std::string>& patterns)
      : MultiStringMatcher(std::vector<std::string_view>(patterns.begin(), patterns.end())) {}

  // The parts of `text` covered by at least one occurrence of a pattern, as [begin, end) ranges
  // in order, overlapping and touching occurrences merged. Linear in the text.
  std::vector<std::pair<size_t, size_t>> covered_ranges(std::string_view text) const;

  bool empty() const { return nodes_.size() <= 1; }

private:
  // The trie in breadth-first order with each node's edges contiguous and sorted by byte (no
  // allocation per node: about 21 bytes a node, where a vector of edges per node took 70).
  struct Node {
    uint32_t edges_begin = 0, edges_end = 0; // into edge_bytes_ / edge_targets_
    int fail = 0;
    // Length of the longest pattern that ends at this node, itself or through its fail chain
    // (0: none). The longest one ending at a position starts earliest, so it alone decides
    // what a position covers.
    uint32_t longest = 0;
  };
  int child(int node, unsigned char byte) const;
  int step(int node, unsigned char byte) const;

  std::vector<Node> nodes_;
  std::vector<unsigned char> edge_bytes_;
  std::vector<int> edge_targets_;
  int root_next_[256]; // the root's transitions, dense: most bytes start nothing
};

} // namespace oauth
