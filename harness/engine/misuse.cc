// Fatal misuse reports (see misuse.h) and the sync policy's own misuse errors.
#include "harness/engine/misuse.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/engine/sync.h"

namespace mapfault {
namespace {

char* sink = nullptr;
size_t sink_size = 0;

}  // namespace

void SetMisuseSink(char* buffer, size_t size) {
  sink = buffer;
  sink_size = size;
}

void FatalMisuse(const char* message) {
  if (sink != nullptr && sink_size > 0) {
    std::strncpy(sink, message, sink_size - 1);
    sink[sink_size - 1] = '\0';
  } else {
    std::fprintf(stderr, "fatal error: %s\n", message);
  }
  std::abort();
}

void SyncMisuse(const char* what) {
  std::fprintf(stderr, "mapfault: sync policy misuse: %s\n", what);
  std::abort();
}

}  // namespace mapfault
