// Compiled by tests/layering/CMakeLists.txt with one module's include path: PROBE_HEADER is the
// header whose reachability from that module is being checked.
#include PROBE_HEADER
