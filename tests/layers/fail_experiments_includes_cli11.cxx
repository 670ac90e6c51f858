// Must not compile: experiments/ plans and runs; parsing the command line is apps/semra's.
#include <CLI/App.hpp>
