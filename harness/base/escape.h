// One helper for printing user-controlled text (tokens, plugin ids, scenario and backend names,
// results files) to a terminal or a text report: control bytes are escaped, so that an ESC sequence
// cannot drive the terminal and a newline cannot turn one error line into two.
#ifndef MAPFAULT_HARNESS_BASE_ESCAPE_H_
#define MAPFAULT_HARNESS_BASE_ESCAPE_H_

#include <string>
#include <string_view>

namespace mapfault {

// `text` with every control byte (0x00-0x1f, 0x7f) written as an escape: \n, \r, \t, else \xNN.
// Other bytes, UTF-8 included, are kept.
std::string EscapeControlBytes(std::string_view text);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_ESCAPE_H_
