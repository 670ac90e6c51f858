#pragma once
// Errors that reach the user. InputError means the user gave us something we cannot use (bad
// config, bad file, bad flag): the CLI prints its one-line message and exits 2. Anything else that
// escapes is an internal failure (exit 1).
#include <stdexcept>
#include <string>

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

}  // namespace semra
