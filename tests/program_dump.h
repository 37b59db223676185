// Programs as text for tests: two programs compare with one EXPECT_EQ, and a difference prints.
#ifndef MAPFAULT_TESTS_PROGRAM_DUMP_H_
#define MAPFAULT_TESTS_PROGRAM_DUMP_H_

#include <sstream>
#include <string>

#include "scenarios/scenario.h"

namespace mapfault {

// Every scalar field of `op` (its ToString also prints the visitor's writes).
inline std::string OpFields(const OpSpec& op) {
  std::ostringstream out;
  out << static_cast<int>(op.kind) << " " << op.key << " " << op.value << " "
      << static_cast<int>(op.visit.mode) << " " << op.visit.param << " " << op.visit.param2 << " "
      << op.visit.stop_after;
  return out.str();
}

// Every field of a program: its init entries, each thread's operations, its post part.
inline std::string DumpProgram(const Program& p) {
  std::string out = "init:";
  for (const auto& [k, v] : p.init) out += " " + std::to_string(k) + "=" + std::to_string(v);
  for (size_t t = 0; t < p.threads.size(); ++t) {
    out += "\nT" + std::to_string(t) + ":";
    for (const OpSpec& op : p.threads[t]) out += " " + op.ToString() + " [" + OpFields(op) + "]";
  }
  out += "\npost:";
  for (const OpSpec& op : p.post) out += " " + op.ToString();
  return out;
}

}  // namespace mapfault

#endif  // MAPFAULT_TESTS_PROGRAM_DUMP_H_
