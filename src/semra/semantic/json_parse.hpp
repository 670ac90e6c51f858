#pragma once
// JSON input files of the semantic layer (scene graphs, embeddings) are parsed with a callback
// that lets SIGINT/SIGTERM stop the parse of a big file (core/stop.hpp): Visual Genome's
// scene_graphs.json is 0.7 GB and takes seconds to parse.
#include <cstddef>
#include <nlohmann/json.hpp>

#include "semra/core/stop.hpp"

namespace semra::semantic {

inline nlohmann::json::parser_callback_t stop_check_callback() {
  return [n = std::size_t{0}](int, nlohmann::json::parse_event_t, nlohmann::json&) mutable {
    if (++n % 4096 == 0) throw_if_stopped();
    return true;
  };
}

}  // namespace semra::semantic
