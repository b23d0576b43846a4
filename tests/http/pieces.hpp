// Helpers of the codec tests: bytes written as numbers, and the ways to cut input in pieces.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace http_tests {

// bytes() returns the bytes with the values `values`.
inline std::string bytes(std::initializer_list<unsigned> values) {
  std::string s;
  for (unsigned v : values) s += static_cast<char>(v);
  return s;
}

// cuts() returns the ways the tests feed `data`: whole, cut in two at every byte boundary,
// and one byte at a time.
inline std::vector<std::vector<std::string_view>> cuts(std::string_view data) {
  std::vector<std::vector<std::string_view>> ways{{data}};
  for (std::size_t i = 1; i < data.size(); ++i) ways.push_back({data.substr(0, i), data.substr(i)});
  std::vector<std::string_view> single;
  for (std::size_t i = 0; i < data.size(); ++i) single.push_back(data.substr(i, 1));
  ways.push_back(single);
  return ways;
}

}  // namespace http_tests
