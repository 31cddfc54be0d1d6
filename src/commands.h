// The offline sub-commands of maskd (core only, no server).
#pragma once

namespace maskd::app {

// argv[0] is the command name; each returns the process exit code.
int run_mask(int argc, char **argv);
int run_rules(int argc, char **argv);

} // namespace maskd::app
