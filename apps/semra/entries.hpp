#pragma once
// Registry entries the program adds to the library's at start-up (experiments/registry.hpp
// add_extra_entries): none in `semra` (entries.cpp); the test CLI links
// tests/support/test_cli_entries.cpp instead, which adds the `toy` fixture.
void register_program_entries();
