// Must not compile: .mat files are written by core/io only.
#include <matio.h>
