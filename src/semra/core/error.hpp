#pragma once
// Errors that reach the user. InputError means the user gave us something we cannot use (bad
// config, bad file, bad flag): the CLI prints its one-line message and exits 2. Anything else that
// escapes is an internal failure (exit 1).
#include <stdexcept>
#include <string>
#include <string_view>

namespace semra {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A resource the user controls ran out or refused us: an output path that cannot be created or
// written (read-only, permission denied, not a directory, disk full), memory, threads. Exit 2 like
// any bad input; the message names the path or resource and what to do.
struct ResourceError : InputError {
  using InputError::InputError;
};

// Thrown by long-running loops when the user asked us to stop (SIGINT/SIGTERM); exit 130.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// User input as a message shows it (docs/limits.md "Messages"): control characters escaped (\n,
// \t, \xHH; a message stays one line, a NUL does not cut it), at most `max` bytes of the text,
// and when it is longer its start followed by "... (N bytes)". Every message that repeats a
// value, key, name or path the user gave goes through it.
std::string echo(std::string_view text, std::size_t max = 120);
// A whole message as the CLI prints it: one line (control characters escaped) of at most `max`
// bytes; longer ones keep their start and end around "... [N bytes cut] ...". The last guard:
// the parts of a message are echo()ed already.
std::string one_line(std::string_view message, std::size_t max = 4000);

}  // namespace semra
