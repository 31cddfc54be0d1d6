// `maskd serve`: the HTTP masking callback server (src/serve/ wires core/ to
// net/).
#pragma once

namespace maskd::app {

// argv[0] is "serve"; returns the process exit code.
int run_serve(int argc, char **argv);

} // namespace maskd::app
