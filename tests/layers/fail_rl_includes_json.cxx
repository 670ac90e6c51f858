// Must not compile: the learners read and write no JSON (nlohmann-json is semantic's and
// experiments').
#include <nlohmann/json.hpp>
