#pragma once
// Figures: we write the data (figure.dat) and the script (figure.gp) so a user can restyle and
// re-render them, then run gnuplot to make figure.png (and .pdf, .svg). Without gnuplot the figures
// are skipped with a warning; the data and script are still written.
//
// Strings a user controls (run and directory names, labels, sweep-file names and values, config
// values shown in legends) reach the script only through gnuplot_quote (or gnuplot_comment), and
// gnuplot is started without a shell (docs/outputs.md "What a figure script can contain").
#include <filesystem>
#include <string>
#include <vector>

namespace semra {

// Runs gnuplot on SCRIPT in `dir` once per format (png, pdf, svg), with the variables `fmt` and
// `out` set; the script picks its terminal from `fmt` and writes to `out`. gnuplot is found on
// PATH (absolute directories only) and started directly, with an argument vector: no shell. Each
// figure is rendered to a temporary name and renamed to <script stem>.<format> once gnuplot
// succeeded. Returns false, after a one-line warning on stderr, when gnuplot is not installed.
// Throws ResourceError naming the script, the format and gnuplot's error when gnuplot fails, and
// Interrupted (after stopping gnuplot) when a stop is requested (core/stop.hpp).
bool render_gnuplot(const std::filesystem::path& dir, const std::string& script_name = "figure.gp",
                    const std::vector<std::string>& formats = {"png"});

// A gnuplot string expression whose value is exactly `s` and which runs nothing. Printable bytes go
// into single-quoted strings, where gnuplot 5 expands neither backquotes (command substitution) nor
// @ macros and takes backslashes literally; control characters (a newline would end the command)
// and apostrophes go into double-quoted octal escapes ("\012", "\047"), which hold nothing else,
// joined with gnuplot's string concatenation: 'it'."\047".'s'. Usable wherever the script takes a
// string (titles, labels, file names, variables). tests/core/gnuplot_test.cpp checks it with
// gnuplot itself.
std::string gnuplot_quote(const std::string& s);

// `s` as text for a `#` comment line of a script or data file: control characters become '?', so
// the comment cannot end early, and a trailing backslash (gnuplot would continue the comment onto
// the next line) is followed by '?'.
std::string gnuplot_comment(const std::string& s);

// The first executable regular file `name` in PATH's absolute directories (a relative entry, such
// as an empty one meaning the working directory, is skipped); empty when there is none.
std::filesystem::path find_program(const std::string& name);

}  // namespace semra
