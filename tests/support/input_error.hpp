#pragma once
// The one-line InputError a bad input must give (docs: "Bad input"), as tests look for it.
#include <string>

#include "semra/core/error.hpp"

namespace semra_test {

// The message of the E (an InputError unless said) that `f` throws, `none` when it throws none.
template <class E = semra::InputError, class F>
std::string error_of(F&& f, const std::string& none = "") {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return none;
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace semra_test
