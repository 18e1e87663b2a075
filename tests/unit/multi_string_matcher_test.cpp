// The redactor's one-pass search for many strings, against a plain search for each.
#include "core/multi_string_matcher.h"

#include <gtest/gtest.h>
#include <random>

namespace {

using oauth::MultiStringMatcher;
using Ranges = std::vector<std::pair<size_t, size_t>>;

// The reference answer: every occurrence of every pattern, merged.
Ranges naive_covered(const std::vector<std::string>& patterns, const std::string& text) {
  std::vector<bool> covered(text.size() + 1, false);
  for (const auto& p : patterns) {
    if (p.empty()) continue;
    for (size_t pos = text.find(p); pos != std::string::npos; pos = text.find(p, pos + 1))
      for (size_t i = pos; i < pos + p.size(); ++i)
        covered[i] = true;
  }
  // Touching occurrences merge in the matcher; mark the joints the same way.
  Ranges out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!covered[i]) continue;
    size_t j = i;
    while (j < text.size() && covered[j])
      ++j;
    out.emplace_back(i, j);
    i = j;
  }
  return out;
}

// Touching ranges are one for the matcher; compare the characters covered, not range counts.
std::vector<bool> cover_map(const Ranges& ranges, size_t size) {
  std::vector<bool> map(size, false);
  for (const auto& [b, e] : ranges)
    for (size_t i = b; i < e; ++i)
      map[i] = true;
  return map;
}

TEST(MultiStringMatcher, AgreesWithANaiveSearchOnRandomTexts) {
  std::mt19937 rng(20261203);
  std::uniform_int_distribution<int> letter(0, 2), length(1, 6), count(1, 12), text_length(0, 80);
  auto random_string = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
      s += static_cast<char>('a' + letter(rng));
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> patterns;
    for (int i = count(rng); i > 0; --i)
      patterns.push_back(random_string(length(rng)));
    std::string text = random_string(text_length(rng));
    MultiStringMatcher matcher(patterns);
    Ranges found = matcher.covered_ranges(text);
    for (size_t i = 1; i < found.size(); ++i)
      ASSERT_LT(found[i - 1].second, found[i].first + 1) << "ranges out of order";
    ASSERT_EQ(cover_map(found, text.size()), cover_map(naive_covered(patterns, text), text.size()))
        << "text " << text << " patterns[0] " << patterns[0];
  }
}

TEST(MultiStringMatcher, EmptyPatternsMatchNothing) {
  MultiStringMatcher matcher(std::vector<std::string>{"", ""});
  EXPECT_TRUE(matcher.empty());
  EXPECT_TRUE(matcher.covered_ranges("anything").empty());
  MultiStringMatcher bytes(std::vector<std::string>{std::string("\0\xff", 2)});
  EXPECT_EQ(bytes.covered_ranges(std::string("a\0\xff", 3)), (Ranges{{1, 3}}));
}

} // namespace
