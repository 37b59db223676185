// ThreadSanitizer report parsing (see tsan_report.h).
#include "harness/run/tsan_report.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mapfault {
namespace {

constexpr std::string_view kRaceHeader = "WARNING: ThreadSanitizer: data race";

// The headers of the blocks kept, as TSan starts them (after two spaces of indentation).
constexpr std::string_view kAccessHeads[] = {"Write ", "Read ", "Atomic ", "Previous ",
                                             "Location is heap block "};

bool IsKeptHeader(std::string_view line) {
  if (!line.starts_with("  ") || line.starts_with("   ") || !line.ends_with(":")) return false;
  line.remove_prefix(2);
  for (std::string_view head : kAccessHeads) {
    if (line.starts_with(head)) return true;
  }
  return false;
}

// `text` split at '\n'.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return lines;
}

bool Number(std::string_view text, int& n) {
  return absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &n);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "file:line[:column]" into its parts; false when it is not one.
bool ParseLocation(std::string_view location, StackFrame& frame) {
  // Up to two trailing numbers (line, column) after the file.
  std::string_view file = location;
  int line = 0;
  for (int numbers = 0; numbers < 2; ++numbers) {
    const size_t colon = file.rfind(':');
    int n;
    if (colon == std::string_view::npos || !Number(file.substr(colon + 1), n)) break;
    line = n;  // the last one taken is the line
    file = file.substr(0, colon);
  }
  if (file.size() == location.size() || file.empty()) return false;
  frame.file = SourceRelativePath(std::string(file));
  frame.line = line;
  return true;
}

// "Write of size 8 at 0x7b04... by thread T1 (mutexes: ...)" -> "Write of size 8 by thread T1".
std::string ShortTitle(std::string_view title) {
  std::string out(title);
  const size_t at = out.find(" at 0x");
  const size_t by = out.find(" by ");
  if (at != std::string::npos && by != std::string::npos && at < by) out.erase(at, by - at);
  if (const size_t paren = out.find(" ("); paren != std::string::npos) out.resize(paren);
  return out;
}

}  // namespace

bool ParseTsanFrame(std::string_view line, StackFrame& frame) {
  line = Trim(line);
  if (!line.starts_with("#")) return false;
  line.remove_prefix(1);
  const size_t space = line.find(' ');
  int index;
  if (space == std::string_view::npos || !Number(line.substr(0, space), index)) return false;
  line.remove_prefix(space + 1);
  frame = StackFrame{};
  // The module: "(name+0xoffset)" at the end.
  if (line.ends_with(")")) {
    const size_t open = line.rfind(" (");
    if (open != std::string_view::npos) {
      const std::string_view module = line.substr(open + 2, line.size() - open - 3);
      frame.module = std::string(module.substr(0, module.rfind('+')));
      line = line.substr(0, open);
    }
  }
  // The location: the last word, "file:line:col" or "<null>"; the function: what precedes it.
  const size_t last = line.rfind(' ');
  const std::string_view location = last == std::string_view::npos ? "" : line.substr(last + 1);
  std::string_view function = last == std::string_view::npos ? line : line.substr(0, last);
  if (location != "<null>" && !ParseLocation(location, frame)) function = line;
  if (function != "<null>") frame.function = std::string(function);
  if (!frame.file.empty()) frame.module.clear();  // the source file says where it is
  return true;
}

std::vector<Stack> ParseTsanRaceStacks(std::string_view text) {
  const size_t report = text.rfind(kRaceHeader);
  if (report == std::string_view::npos) return {};
  std::vector<Stack> stacks;
  std::vector<StackFrame> frames;
  bool in_block = false;
  auto finish = [&] {
    if (in_block && !frames.empty()) {
      stacks.back().frames = CollapseHarnessFrames(frames);
    } else if (in_block) {
      stacks.pop_back();  // a block without frames says nothing about code
    }
    frames.clear();
    in_block = false;
  };
  for (std::string_view line : Lines(text.substr(report))) {
    if (line.starts_with("SUMMARY:") || line.starts_with("=====")) break;
    StackFrame frame;
    if (in_block && ParseTsanFrame(line, frame)) {
      frames.push_back(std::move(frame));
      continue;
    }
    finish();
    if (IsKeptHeader(line)) {
      in_block = true;
      line.remove_prefix(2);
      line.remove_suffix(1);
      stacks.push_back({std::string(line), {}});
    }
  }
  finish();
  return stacks;
}

std::string RaceSummary(const std::vector<Stack>& stacks) {
  std::vector<std::string> accesses;
  for (const Stack& s : stacks) {
    if (s.title.starts_with("Location is")) continue;
    std::string text = ShortTitle(s.title);
    if (const StackFrame* top = TopFrame(s); top != nullptr) {
      if (!top->function.empty()) absl::StrAppend(&text, " in ", top->function);
      if (!top->file.empty()) absl::StrAppend(&text, " at ", top->file, ":", top->line);
    }
    accesses.push_back(std::move(text));
  }
  return absl::StrJoin(accesses, ", ");
}

}  // namespace mapfault
