#include "semra/core/error.hpp"

#include <cstdio>

namespace semra {
namespace {

// Appends `c` as it may appear in a one-line message.
void put(std::string& out, char c) {
  const auto u = static_cast<unsigned char>(c);
  if (c == '\n') {
    out += "\\n";
  } else if (c == '\t') {
    out += "\\t";
  } else if (u < 0x20 || u == 0x7f) {
    char esc[8];
    std::snprintf(esc, sizeof esc, "\\x%02x", u);
    out += esc;
  } else {
    out += c;
  }
}

}  // namespace

std::string echo(std::string_view text, std::size_t max) {
  std::string out;
  const std::size_t shown = text.size() > max ? max : text.size();
  for (std::size_t i = 0; i < shown; ++i) put(out, text[i]);
  if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string one_line(std::string_view message, std::size_t max) {
  std::string out;
  if (message.size() <= max) {
    for (char c : message) put(out, c);
    return out;
  }
  const std::size_t head = max * 3 / 4, tail = max - head;
  for (std::size_t i = 0; i < head; ++i) put(out, message[i]);
  out += " ... [" + std::to_string(message.size() - max) + " bytes cut] ... ";
  for (std::size_t i = message.size() - tail; i < message.size(); ++i) put(out, message[i]);
  return out;
}

}  // namespace semra
