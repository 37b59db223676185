// How a backend reports misuse it detected itself, the way Go's runtime throws "fatal error:
// concurrent map iteration and map write": the message is handed to the supervising worker and the
// process aborts (like Go's throw, it cannot be recovered from).
#ifndef MAPFAULT_HARNESS_ENGINE_MISUSE_H_
#define MAPFAULT_HARNESS_ENGINE_MISUSE_H_

#include <cstddef>

namespace mapfault {

// Records `message` where the worker's supervisor can read it after the process dies, prints
// "fatal error: <message>" on stderr unless a sink is installed, and aborts.
[[noreturn]] void FatalMisuse(const char* message);

// Installed by a worker process: FatalMisuse copies its message into `buffer` (NUL-terminated).
void SetMisuseSink(char* buffer, size_t size);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_MISUSE_H_
